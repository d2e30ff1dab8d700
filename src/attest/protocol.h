#pragma once
// The wire messages between `ztp-prem-tpm attest` and `ztp-prem-attest serve`: JSON
// objects over HTTPS POST, binary fields in base64 (RFC 4648). Parsers of outside input:
// every field checked for type, encoding and size, unknown fields ignored (fuzz target
// fuzz/attest_protocol_fuzz.cpp).
//
//   POST /v1/register        RegisterRequest  -> 200 RegisterChallenge | 403 Refusal
//   POST /v1/register/proof  ProofRequest     -> 200 {"registered":true} | 403 Refusal
//   POST /v1/nonce           NonceRequest     -> 200 NonceResponse
//   POST /v1/attest          AttestRequest    -> 200 ReleaseResponse | 403 Refusal

#include <optional>
#include <string>
#include <string_view>

#include "attest/release.h"
#include "common/result.h"

namespace ztp::attest {

// Names: the node is a Kubernetes node name; groups and secrets are DNS subdomains too
// (they become file names and, with --state k8s, object names).
bool is_group_name(std::string_view name);

struct RegisterRequest {
  std::string node;
  std::string group;
  std::string ek_public;                      // TPM2B_PUBLIC
  std::optional<std::string> ek_certificate;  // DER, when the TPM holds one
  std::string ak_public;                      // TPM2B_PUBLIC
};
struct RegisterChallenge {
  std::string challenge;  // opaque id of this registration attempt
  std::string id_object;  // TPM2B_ID_OBJECT
  std::string encrypted_secret;
};
struct ProofRequest {
  std::string node;
  std::string challenge;
  std::string proof;  // registration_proof(credential, node)
};
struct NonceRequest {
  std::string node;
};
struct NonceResponse {
  std::string nonce;
  long ttl_seconds = 0;
};
struct AttestRequest {
  std::string node;
  std::string secret;  // the secret's name
  std::string nonce;
  std::string ephemeral_point;
  std::string attest;     // TPMS_ATTEST
  std::string signature;  // TPMT_SIGNATURE
};
struct ReleaseResponse {
  Envelope envelope;
};
// A refusal by policy: code is one of the k_refusal_* words, reason one line for the node.
struct Refusal {
  std::string code;
  std::string reason;
};

Result<RegisterRequest> parse_register_request(std::string_view body);
Result<RegisterChallenge> parse_register_challenge(std::string_view body);
Result<ProofRequest> parse_proof_request(std::string_view body);
Result<NonceRequest> parse_nonce_request(std::string_view body);
Result<NonceResponse> parse_nonce_response(std::string_view body);
Result<AttestRequest> parse_attest_request(std::string_view body);
Result<ReleaseResponse> parse_release_response(std::string_view body);
Result<Refusal> parse_refusal(std::string_view body);

std::string to_json(const RegisterRequest& m);
std::string to_json(const RegisterChallenge& m);
std::string to_json(const ProofRequest& m);
std::string to_json(const NonceRequest& m);
std::string to_json(const NonceResponse& m);
std::string to_json(const AttestRequest& m);
std::string to_json(const ReleaseResponse& m);
std::string to_json(const Refusal& m);

// HMAC-SHA256(credential, "ztp-prem register v1" 0x00 || node): what the node returns
// after TPM2_ActivateCredential recovered the credential.
Result<std::string> registration_proof(std::string_view credential, std::string_view node);

// The additional data the released secret is authenticated with.
std::string release_aad(std::string_view node, std::string_view secret_name);

}  // namespace ztp::attest
