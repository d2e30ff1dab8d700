#include "attest/protocol.h"

#include <nlohmann/json.hpp>

#include "audit/crypto.h"
#include "common/k8s_names.h"

namespace ztp::attest {
namespace {

using nlohmann::json;

// Binary fields are small: a TPM2B_PUBLIC is under 1 KiB, an EK certificate a few KiB.
constexpr std::size_t k_max_field_bytes = 8 * 1024;

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

Result<json> object_of(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad("the request body is not a JSON object");
  }
  return j;
}

Result<std::string> text(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return bad(std::string("field '") + key + "' is missing or not a string");
  }
  auto s = it->get<std::string>();
  if (s.size() > k_max_field_bytes * 2) {
    return bad(std::string("field '") + key + "' is too long");
  }
  return s;
}

Result<std::string> bytes(const json& j, const char* key, std::size_t min = 1,
                          std::size_t max = k_max_field_bytes) {
  auto s = text(j, key);
  if (!s) {
    return s;
  }
  auto decoded = audit::from_base64(*s);
  if (!decoded || decoded->size() < min || decoded->size() > max) {
    return bad(std::string("field '") + key + "' is not base64 of " + std::to_string(min) + ".." +
               std::to_string(max) + " bytes");
  }
  return std::move(*decoded);
}

Result<std::string> node_of(const json& j) {
  auto node = text(j, "node");
  if (node && (!is_node_name(*node) || node->size() > k_max_publishable_node_chars)) {
    return bad("field 'node' is not a Kubernetes node name");
  }
  return node;
}

Result<std::string> name_of(const json& j, const char* key) {
  auto name = text(j, key);
  if (name && !is_group_name(*name)) {
    return bad(std::string("field '") + key + "' is not a DNS subdomain name");
  }
  return name;
}

std::string b64(std::string_view s) { return audit::to_base64(s); }

#define ZTP_TAKE(var, expr)             \
  auto var = (expr);                    \
  if (!var) {                           \
    return tl::unexpected(var.error()); \
  }

}  // namespace

bool is_group_name(std::string_view name) { return name.size() <= 200 && is_dns_subdomain(name); }

Result<RegisterRequest> parse_register_request(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(node, node_of(*j));
  ZTP_TAKE(group, name_of(*j, "group"));
  ZTP_TAKE(ek, bytes(*j, "ekPublic"));
  ZTP_TAKE(ak, bytes(*j, "akPublic"));
  RegisterRequest r{*node, *group, *ek, std::nullopt, *ak};
  if (j->contains("ekCertificate")) {
    ZTP_TAKE(cert, bytes(*j, "ekCertificate"));
    r.ek_certificate = *cert;
  }
  return r;
}

Result<RegisterChallenge> parse_register_challenge(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(challenge, bytes(*j, "challenge", 16, 64));
  ZTP_TAKE(id, bytes(*j, "credentialBlob"));
  ZTP_TAKE(secret, bytes(*j, "encryptedSecret"));
  return RegisterChallenge{*challenge, *id, *secret};
}

Result<ProofRequest> parse_proof_request(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(node, node_of(*j));
  ZTP_TAKE(challenge, bytes(*j, "challenge", 16, 64));
  ZTP_TAKE(proof, bytes(*j, "proof", 32, 32));
  return ProofRequest{*node, *challenge, *proof};
}

Result<NonceRequest> parse_nonce_request(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(node, node_of(*j));
  return NonceRequest{*node};
}

Result<NonceResponse> parse_nonce_response(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(nonce, bytes(*j, "nonce", k_nonce_bytes, k_nonce_bytes));
  const auto ttl = j->find("ttlSeconds");
  if (ttl == j->end() || !ttl->is_number_integer()) {
    return bad("field 'ttlSeconds' is missing or not an integer");
  }
  return NonceResponse{*nonce, ttl->get<long>()};
}

Result<AttestRequest> parse_attest_request(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(node, node_of(*j));
  ZTP_TAKE(secret, name_of(*j, "secret"));
  ZTP_TAKE(nonce, bytes(*j, "nonce", k_nonce_bytes, k_nonce_bytes));
  ZTP_TAKE(point, bytes(*j, "ephemeralKey", k_point_bytes, k_point_bytes));
  ZTP_TAKE(attest, bytes(*j, "attest", 1, 1024));
  ZTP_TAKE(signature, bytes(*j, "signature", 1, 1024));
  return AttestRequest{*node, *secret, *nonce, *point, *attest, *signature};
}

Result<ReleaseResponse> parse_release_response(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(point, bytes(*j, "verifierKey", k_point_bytes, k_point_bytes));
  ZTP_TAKE(iv, bytes(*j, "iv", 12, 12));
  ZTP_TAKE(ct, bytes(*j, "ciphertext", 16, 1024 * 1024));
  return ReleaseResponse{Envelope{*point, *iv, *ct}};
}

Result<Refusal> parse_refusal(std::string_view body) {
  ZTP_TAKE(j, object_of(body));
  ZTP_TAKE(code, text(*j, "refused"));
  ZTP_TAKE(reason, text(*j, "reason"));
  return Refusal{*code, *reason};
}

std::string to_json(const RegisterRequest& m) {
  json j = {{"node", m.node},
            {"group", m.group},
            {"ekPublic", b64(m.ek_public)},
            {"akPublic", b64(m.ak_public)}};
  if (m.ek_certificate) {
    j["ekCertificate"] = b64(*m.ek_certificate);
  }
  return j.dump();
}
std::string to_json(const RegisterChallenge& m) {
  return json{{"challenge", b64(m.challenge)},
              {"credentialBlob", b64(m.id_object)},
              {"encryptedSecret", b64(m.encrypted_secret)}}
      .dump();
}
std::string to_json(const ProofRequest& m) {
  return json{{"node", m.node}, {"challenge", b64(m.challenge)}, {"proof", b64(m.proof)}}.dump();
}
std::string to_json(const NonceRequest& m) { return json{{"node", m.node}}.dump(); }
std::string to_json(const NonceResponse& m) {
  return json{{"nonce", b64(m.nonce)}, {"ttlSeconds", m.ttl_seconds}}.dump();
}
std::string to_json(const AttestRequest& m) {
  return json{{"node", m.node},          {"secret", m.secret},
              {"nonce", b64(m.nonce)},   {"ephemeralKey", b64(m.ephemeral_point)},
              {"attest", b64(m.attest)}, {"signature", b64(m.signature)}}
      .dump();
}
std::string to_json(const ReleaseResponse& m) {
  return json{{"verifierKey", b64(m.envelope.verifier_point)},
              {"iv", b64(m.envelope.iv)},
              {"ciphertext", b64(m.envelope.ciphertext)}}
      .dump();
}
std::string to_json(const Refusal& m) {
  return json{{"refused", m.code}, {"reason", m.reason}}.dump();
}

Result<std::string> registration_proof(std::string_view credential, std::string_view node) {
  if (credential.size() != 32) {
    return bad("the credential is not 32 bytes");
  }
  audit::Bytes32 key;
  std::copy(credential.begin(), credential.end(), key.begin());
  std::string data("ztp-prem register v1\0", 21);
  data.append(node);
  auto mac = audit::hmac_sha256(key, data);
  audit::wipe(key);
  if (!mac) {
    return tl::unexpected(mac.error());
  }
  return std::string(reinterpret_cast<const char*>(mac->data()), mac->size());
}

std::string release_aad(std::string_view node, std::string_view secret_name) {
  std::string aad("ztp-prem release v1\0", 20);
  aad.append(node).push_back('\0');
  aad.append(secret_name);
  return aad;
}

}  // namespace ztp::attest
