#pragma once
// The Tier B verdict, computed once (issue 17 item 1): from a node's row in the fleet
// model (its latest CC and TPM documents, already validated by src/fleet) and a policy,
// whether the node is eligible for Tier B pods, and why. The labels, the parameter
// objects, the preflight and the reports all call this; the admission policies' CEL only
// tests membership in what it produced (docs/enforcement.md).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "fleet/snapshot.h"

namespace ztp::enforce {

struct Policy {
  std::vector<int> allowed_modes;  // indexes into fleet::k_modes, never none/unknown
  bool require_tpm_ready = false;
  bool require_attestation = false;
  // A document older than this no longer vouches for its node.
  std::chrono::seconds max_staleness{std::chrono::minutes(30)};
};

// The policy from words: each mode must be a CC mode of the shared vocabulary
// (fleet::k_modes); "none" and "unknown" are refused (detection of nothing, or of
// something unmodelled, never makes a node eligible).
Result<Policy> make_policy(const std::vector<std::string>& modes, bool require_tpm_ready,
                           bool require_attestation, std::chrono::seconds max_staleness);
// sev-snp, tdx, cca, protvirt: the modes whose memory is protected against the host with
// integrity (plain SEV and SEV-ES are not: no integrity protection of guest memory).
std::vector<std::string> default_modes();

// The attestation service's verdict for a node, when there is one (src/attest).
enum class Attestation { verified, failed };
// The verdict the fleet model holds for the node (Row::attestation, from the verifier's
// published AttestStatus), or none: no row, or no valid verdict.
std::optional<Attestation> attestation_of(const fleet::Row* row);

enum class Reason {
  eligible,
  no_cc_document,       // no valid CC document (absent or invalid)
  invalid_document,     // a document of the node failed validation
  stale,                // the newest document is older than max_staleness
  mode_not_allowed,     // CC mode outside the policy (none, unknown, or not listed)
  no_tpm_document,      // TPM readiness required, no valid TPM document
  tpm_not_ready,        // TPM readiness required, verdict partial or none
  attestation_missing,  // attestation required, no verdict yet
  attestation_failed,   // attestation required, the verifier refused the node
  not_published,        // not in the published eligible list (read back from the shards)
};
std::string_view to_string(Reason reason);  // "eligible", "no-cc-document", ...

struct Verdict {
  bool eligible = false;
  Reason reason = Reason::no_cc_document;
  std::string tee;     // the CC mode word when eligible ("sev-snp"), else empty
  std::string detail;  // one line for humans; never a document value beyond vocabulary
};

// row == nullptr: the node has no documents at all.
Verdict decide(const fleet::Row* row, const Policy& policy, fleet::TimePoint now,
               std::optional<Attestation> attestation = std::nullopt);

}  // namespace ztp::enforce
