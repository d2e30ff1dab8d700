#pragma once
// The node's side of attestation (`ztp-prem-tpm attest`): registers with the verifier when
// it does not know this node (EK, EK certificate when the TPM has one, AK; then
// TPM2_ActivateCredential), then quotes sha256:0-7 bound to a fresh nonce and a fresh
// ephemeral key, and opens the released secret. Talks HTTPS through the project's one
// client (k8s/tls_transport.h: Beast, peer verified against --ca) and the TPM only
// through the TCTI it is given.

#include <chrono>
#include <string>

#include <tl/expected.hpp>

#include "attest/protocol.h"
#include "common/result.h"
#include "esapi/esapi_session.h"

namespace ztp::attest {

struct NodeOptions {
  std::string verifier;  // https://HOST:PORT
  std::string ca_pem;    // trust anchors for the verifier's certificate
  std::string tcti;
  std::string node;
  std::string group;   // used when registering
  std::string secret;  // the secret's name
  std::chrono::milliseconds timeout{10000};
};

// The released secret, or the verifier's refusal; an Error is a fault (TPM, network,
// protocol) or bad input.
Result<tl::expected<std::string, Refusal>> attest_node(const NodeOptions& options);
// The same on a TPM session the caller holds (the sealed cache uses it before and after;
// a swtpm socket serves one connection at a time). options.tcti is not used.
Result<tl::expected<std::string, Refusal>> attest_node(const NodeOptions& options,
                                                       esapi::Session& tpm);

struct VerifierAddress {
  std::string host;
  std::string port;
};
// "https://HOST:PORT" or "https://HOST" (port 443); IPv6 as [addr]. Plain http is refused.
Result<VerifierAddress> parse_verifier_url(std::string_view url);

}  // namespace ztp::attest
