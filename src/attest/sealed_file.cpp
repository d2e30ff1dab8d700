#include "attest/sealed_file.h"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "attest/protocol.h"
#include "attest/release.h"
#include "audit/crypto.h"

namespace ztp::attest {
namespace {

using nlohmann::json;

constexpr std::string_view k_format = "ztp-prem-sealed-cache/v1";
constexpr std::string_view k_aad_label{"ztp-prem cache v1\0", 18};
constexpr std::size_t k_iv_bytes = 12;
constexpr std::size_t k_tag_bytes = 16;
// The verifier's secrets are at most 64 KiB (docs/attest.md); the blobs are a few hundred bytes.
constexpr std::size_t k_max_field = 96 * 1024;

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, "sealed cache: " + std::move(message));
}

std::string aad(const SealedCacheFile& f) {
  std::string a(k_aad_label);
  a.append(f.secret).append(f.public_area);
  return a;
}

bool binary_field(const json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() > k_max_field) {
    return false;
  }
  auto bytes = audit::from_base64(it->get<std::string>());
  if (!bytes) {
    return false;
  }
  out = std::move(*bytes);
  return true;
}

}  // namespace

std::string sealed_cache_text(const SealedCacheFile& f) {
  const json j = {{"format", k_format},
                  {"secret", f.secret},
                  {"selection", f.selection},
                  {"expiresClock", f.expires_clock},
                  {"policyDigest", audit::to_hex(f.policy_digest)},
                  {"public", audit::to_base64(f.public_area)},
                  {"private", audit::to_base64(f.private_area)},
                  {"iv", audit::to_base64(f.iv)},
                  {"ciphertext", audit::to_base64(f.ciphertext)}};
  return j.dump() + "\n";
}

Result<SealedCacheFile> parse_sealed_cache(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != k_format) {
    return bad("not a " + std::string(k_format) + " file");
  }
  SealedCacheFile f;
  const auto secret = j.find("secret");
  const auto selection = j.find("selection");
  const auto expires = j.find("expiresClock");
  const auto policy = j.find("policyDigest");
  if (secret == j.end() || !secret->is_string() || !is_group_name(secret->get<std::string>()) ||
      selection == j.end() || !selection->is_string() || expires == j.end() ||
      !expires->is_number_unsigned() || policy == j.end() || !policy->is_string()) {
    return bad("missing or mistyped secret, selection, expiresClock or policyDigest");
  }
  f.secret = secret->get<std::string>();
  f.selection = selection->get<std::string>();
  f.expires_clock = expires->get<std::uint64_t>();
  auto digest = audit::bytes_from_hex(policy->get<std::string>());
  if (!digest || digest->size() != 32) {
    return bad("policyDigest is not 32 bytes of hex");
  }
  f.policy_digest = std::move(*digest);
  if (!binary_field(j, "public", f.public_area) || !binary_field(j, "private", f.private_area) ||
      !binary_field(j, "iv", f.iv) || !binary_field(j, "ciphertext", f.ciphertext) ||
      f.iv.size() != k_iv_bytes || f.ciphertext.size() <= k_tag_bytes || f.public_area.empty() ||
      f.private_area.empty()) {
    return bad("public, private, iv or ciphertext missing, not base64 or of the wrong size");
  }
  return f;
}

Result<void> encrypt_cached_secret(SealedCacheFile& f, std::string_view key,
                                   std::string_view secret) {
  if (key.size() != k_cache_key_bytes) {
    return fail(ErrorKind::bad_input, "sealed cache: the key is not 32 bytes");
  }
  std::string iv(k_iv_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), static_cast<int>(iv.size())) != 1) {
    return fail(ErrorKind::io_error, "no random bytes");
  }
  auto ct = aes256_gcm(true, key, iv, aad(f), secret);
  if (!ct) {
    return tl::unexpected(ct.error());
  }
  f.iv = std::move(iv);
  f.ciphertext = std::move(*ct);
  return {};
}

Result<std::string> decrypt_cached_secret(const SealedCacheFile& f, std::string_view key) {
  if (key.size() != k_cache_key_bytes) {
    return bad("the unsealed key is not 32 bytes");
  }
  auto plain = aes256_gcm(false, key, f.iv, aad(f), f.ciphertext);
  if (!plain) {
    return bad("the ciphertext does not authenticate with the unsealed key");
  }
  return plain;
}

}  // namespace ztp::attest
