#pragma once
// The few OpenSSL 3 EVP calls the audit log needs: SHA-256, HMAC-SHA256, random
// bytes, and the one-way epoch key evolution. No primitive is implemented here.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::audit {

using Bytes32 = std::array<unsigned char, 32>;

Result<Bytes32> sha256(std::string_view data);
Result<Bytes32> hmac_sha256(const Bytes32& key, std::string_view data);

// HMAC-SHA256 with one key for many messages: the key schedule and the algorithm fetch
// happen once (the verifier seals a whole epoch's records with one key).
class HmacSha256 {
 public:
  explicit HmacSha256(const Bytes32& key);
  HmacSha256(HmacSha256&& other) noexcept;
  HmacSha256& operator=(HmacSha256&& other) noexcept;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  ~HmacSha256();
  Result<Bytes32> mac(std::string_view data) const;

 private:
  void* m_ctx = nullptr;  // EVP_MAC_CTX, keyed
};
Result<Bytes32> random_bytes32();

// k_{i+1} = HMAC-SHA256(k_i, label): knowing k_i gives every later key, never an earlier one
// (HMAC is a PRF keyed by k_i; inverting it means recovering the key from its output).
inline constexpr std::string_view k_evolve_label = "ztp-prem audit epoch evolve";
Result<Bytes32> evolve_key(const Bytes32& key);
// Applies evolve_key (to - from) times; from <= to.
Result<Bytes32> evolve_key(Bytes32 key, std::uint64_t from, std::uint64_t to);

// Overwrites key material before its memory is released (OPENSSL_cleanse).
void wipe(Bytes32& key);

// Constant-time comparison for seals (CRYPTO_memcmp).
bool equal(const Bytes32& a, const Bytes32& b);

std::string to_hex(const Bytes32& bytes);
std::string to_hex(std::string_view bytes);
// Lower-case hex of any length (even), else nullopt.
std::optional<std::string> bytes_from_hex(std::string_view hex);
// RFC 4648 base64 with padding (OpenSSL EVP_EncodeBlock); the decoder accepts only the
// canonical encoding (what the encoder would write), so a record has one form.
std::string to_base64(std::string_view bytes);
std::optional<std::string> from_base64(std::string_view text);
// Exactly 64 lower-case hex digits, else nullopt.
std::optional<Bytes32> from_hex(std::string_view hex);

}  // namespace ztp::audit
