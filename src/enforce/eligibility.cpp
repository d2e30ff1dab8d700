#include "enforce/eligibility.h"

#include <algorithm>

#include "fleet/vocabulary.h"

namespace ztp::enforce {
namespace {

Verdict ineligible(Reason reason, std::string detail) {
  return Verdict{false, reason, {}, std::move(detail)};
}

std::string mode_word(int mode) {
  return mode >= 0 && static_cast<std::size_t>(mode) < fleet::k_modes.size()
             ? std::string(fleet::k_modes[static_cast<std::size_t>(mode)])
             : std::string(to_string(vocab::CcMode::unknown));
}

// A document dated in the future by more than the staleness bound is as untrustworthy as
// an old one (a node's clock could otherwise keep it fresh for ever).
bool too_old(const std::optional<fleet::TimePoint>& at, const Policy& policy,
             fleet::TimePoint now) {
  return !at || now - *at > policy.max_staleness || *at - now > policy.max_staleness;
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::eligible:
      return "eligible";
    case Reason::no_cc_document:
      return "no-cc-document";
    case Reason::invalid_document:
      return "invalid-document";
    case Reason::stale:
      return "stale";
    case Reason::mode_not_allowed:
      return "mode-not-allowed";
    case Reason::no_tpm_document:
      return "no-tpm-document";
    case Reason::tpm_not_ready:
      return "tpm-not-ready";
    case Reason::attestation_missing:
      return "attestation-missing";
    case Reason::attestation_failed:
      return "attestation-failed";
    case Reason::not_published:
      return "not-published";
  }
  return "unknown";
}

// The guest modes with memory integrity against the host (docs/enforcement.md): SEV and
// SEV-ES encrypt but let the host replay or remap guest memory.
std::vector<std::string> default_modes() {
  using vocab::CcMode;
  std::vector<std::string> modes;
  for (const CcMode m : {CcMode::sev_snp, CcMode::tdx, CcMode::cca, CcMode::protvirt}) {
    modes.emplace_back(to_string(m));
  }
  return modes;
}

Result<Policy> make_policy(const std::vector<std::string>& modes, bool require_tpm_ready,
                           bool require_attestation, std::chrono::seconds max_staleness) {
  Policy p;
  if (modes.empty()) {
    return fail(ErrorKind::bad_input, "policy: no CC mode allowed");
  }
  for (const auto& m : modes) {
    const auto i = fleet::index_of(fleet::k_modes, m);
    if (!i) {
      return fail(ErrorKind::bad_input, "policy: \"" + m + "\" is not a CC mode (ccstatus.v1)");
    }
    if (*i == fleet::index(vocab::CcMode::none) || *i == fleet::index(vocab::CcMode::unknown)) {
      return fail(ErrorKind::bad_input,
                  "policy: mode \"" + m + "\" can never make a node eligible");
    }
    if (std::find(p.allowed_modes.begin(), p.allowed_modes.end(), *i) == p.allowed_modes.end()) {
      p.allowed_modes.push_back(*i);
    }
  }
  if (max_staleness <= std::chrono::seconds(0)) {
    return fail(ErrorKind::bad_input, "policy: max staleness must be positive");
  }
  p.require_tpm_ready = require_tpm_ready;
  p.require_attestation = require_attestation;
  p.max_staleness = max_staleness;
  return p;
}

std::optional<Attestation> attestation_of(const fleet::Row* row) {
  if (row == nullptr || row->attestation < 0) {
    return std::nullopt;
  }
  return row->attestation == 1 ? Attestation::verified : Attestation::failed;
}

Verdict decide(const fleet::Row* row, const Policy& policy, fleet::TimePoint now,
               std::optional<Attestation> attestation) {
  if (row == nullptr || (row->mode < 0 && row->invalid_reasons.empty())) {
    return ineligible(Reason::no_cc_document, "no CC document from this node");
  }
  if (!row->invalid_reasons.empty()) {
    // The reason names the field and rule (fleet::parse_status_document), never a value.
    return ineligible(Reason::invalid_document, row->invalid_reasons.front());
  }
  if (row->mode >= 0 && too_old(row->cc_generated_at, policy, now)) {
    return ineligible(Reason::stale, "CC document older than " +
                                         std::to_string(policy.max_staleness.count()) + " s");
  }
  const std::string mode = mode_word(row->mode);
  if (std::find(policy.allowed_modes.begin(), policy.allowed_modes.end(), row->mode) ==
      policy.allowed_modes.end()) {
    return ineligible(Reason::mode_not_allowed, "CC mode " + mode + " is not allowed");
  }
  if (policy.require_tpm_ready) {
    if (row->readiness < 0) {
      return ineligible(Reason::no_tpm_document, "TPM readiness required, no TPM document");
    }
    if (too_old(row->tpm_generated_at, policy, now)) {
      return ineligible(Reason::stale, "TPM document older than " +
                                           std::to_string(policy.max_staleness.count()) + " s");
    }
    const auto readiness = fleet::k_readiness[static_cast<std::size_t>(row->readiness)];
    if (row->readiness != fleet::index(vocab::TpmReadiness::ready)) {
      return ineligible(Reason::tpm_not_ready, "TPM readiness " + std::string(readiness));
    }
  }
  if (policy.require_attestation) {
    if (!attestation) {
      return ineligible(Reason::attestation_missing, "attestation required, no verdict");
    }
    if (*attestation == Attestation::failed) {
      return ineligible(Reason::attestation_failed, "attestation refused");
    }
  }
  return Verdict{true, Reason::eligible, mode, "CC mode " + mode};
}

}  // namespace ztp::enforce
