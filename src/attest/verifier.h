#pragma once
// The verifier and key broker: registration (credential activation), single-use nonces,
// quote verification, policy, release. Owns no socket: service.h puts it on src/http.
// It never trusts what a node says about itself beyond what a TPM signature covers
// (DESIGN.md): the group and the AK come from the node's registration, which an EK (and,
// with an EK CA, its certificate) vouched for; the boot state only from a signed quote.
//
// Every decision is one JSON line on the log (event "attest.decision": node, group,
// decision, reason code; never a digest, an AK or EK byte) and one counter increment.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "attest/protocol.h"
#include "attest/state.h"
#include "attest/verdict.h"
#include "common/clock.h"
#include "common/log.h"
#include "tpmquote/quote_verify.h"
#include "vocabulary/vocabulary.gen.h"

namespace ztp::attest {

// Refusal codes (the node prints the reason; docs/attest.md lists them).
inline constexpr std::string_view k_not_registered = "not-registered";
inline constexpr std::string_view k_ek_not_trusted = "ek-not-trusted";
inline constexpr std::string_view k_ak_rejected = "ak-rejected";
inline constexpr std::string_view k_ak_not_bound = "ak-not-bound";
inline constexpr std::string_view k_identity_conflict = "identity-conflict";
inline constexpr std::string_view k_nonce_invalid = "nonce-invalid";
inline constexpr std::string_view k_expired = "expired";
inline constexpr std::string_view k_quote_invalid = "quote-invalid";
inline constexpr std::string_view k_selection_mismatch = "selection-mismatch";
// The two that are published in verdicts are attest.v1's words (generated, AttestRefusal).
inline constexpr std::string_view k_digest_not_approved =
    vocab::to_string(vocab::AttestRefusal::digest_not_approved);
inline constexpr std::string_view k_secret_unknown =
    vocab::to_string(vocab::AttestRefusal::secret_unknown);
inline constexpr std::string_view k_busy = "busy";
inline constexpr std::string_view k_internal = "internal";

template <class T>
using Outcome = tl::expected<T, Refusal>;

// The quote checks with no state (bench/ measures this on recorded quotes): signature by
// the AK; magic and type; the SIGNED selection byte for byte (research note attest.md
// R1); extraData. Returns the boot digest as "sha256:<hex>".
Outcome<std::string> check_quote(const tpmquote::SignatureVerifier& ak, std::string_view attest,
                                 std::string_view signature, std::string_view expected_selection,
                                 std::string_view expected_extra);

struct VerifierOptions {
  std::optional<std::string> ek_ca_pem;  // --ek-ca: EK certificates must chain to it
  std::chrono::seconds nonce_ttl{60};
  std::chrono::seconds registration_ttl{60};
  std::size_t max_outstanding = 10000;  // unanswered nonces / registrations; more -> busy
  // --publish dir:PATH / k8s: the verdicts (attest/verdict.h).
  VerdictPublisher::Options publish;
};

class Verifier {
 public:
  Verifier(DirState state, VerifierOptions options, const Clock& clock, log::Logger& log);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  Outcome<RegisterChallenge> register_node(const RegisterRequest& request);
  Outcome<void> prove(const ProofRequest& request);
  Outcome<NonceResponse> nonce(const NonceRequest& request);
  Outcome<ReleaseResponse> attest(const AttestRequest& request);
  // A request the service could not even parse (counted, logged without a node).
  void count_bad_request(std::string_view route);

  // Prometheus text: ztp_prem_attest_* counters.
  std::string metrics_text() const;
  // Waits (at most timeout) until the ConfigMap verdicts handed out so far are applied.
  bool flush_verdicts(std::chrono::milliseconds timeout) { return m_publisher->flush(timeout); }

 private:
  struct Pending;
  struct Issued;
  struct Metrics;
  Outcome<ReleaseResponse> attest_registered(const AttestRequest& request, const NodeRecord& node);
  Refusal decide(std::string_view node, std::string_view group, std::string_view code,
                 std::string reason, bool publish);
  void released(const NodeRecord& node);
  void publish_verdict(std::string_view node, std::string_view group, bool attested,
                       std::string_view code);
  void prune(std::chrono::steady_clock::time_point now);
  // The registered AK's verifier, built once per AK (key setup costs about a check).
  Result<tpmquote::SignatureVerifier> ak_verifier(const std::string& ak_public);

  DirState m_state;
  VerifierOptions m_options;
  const Clock& m_clock;
  log::Logger& m_log;
  std::string m_selection;  // marshalled TPML_PCR_SELECTION of sha256:0-7
  mutable std::mutex m_mutex;
  std::map<std::string, Pending> m_pending;                           // by challenge
  std::map<std::string, Issued> m_nonces;                             // by nonce
  std::map<std::string, tpmquote::SignatureVerifier> m_ak_verifiers;  // by AK public area
  std::unique_ptr<Metrics> m_metrics;
  // Last: its worker logs through m_log under m_mutex, so it stops before they go.
  std::unique_ptr<VerdictPublisher> m_publisher;
};

}  // namespace ztp::attest
