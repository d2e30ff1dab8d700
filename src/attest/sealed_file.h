#pragma once
// The node's sealed cache file (`ztp-prem-tpm attest --cache`, docs/attest.md "Sealed local
// cache"): one JSON object, written 0600 next to --out,
//
//   {"format":"ztp-prem-sealed-cache/v1", "secret": NAME, "selection":"sha256:0-7",
//    "expiresClock": N, "policyDigest": HEX, "public": B64, "private": B64,
//    "iv": B64, "ciphertext": B64}
//
// public/private are the TPM2B_PUBLIC and TPM2B_PRIVATE of a data object sealed to this
// TPM (esapi/sealing.h) holding a random 32-byte key K; ciphertext is the secret under
// AES-256-GCM(K, iv, aad = "ztp-prem cache v1" 0x00 || secret name || public) followed by
// its tag (secrets are up to 64 KiB; a sealed object holds at most 128 bytes). Only that
// TPM, in the sealed PCR state, before TPM clock expiresClock, can recover K. The file holds
// no PCR value: policyDigest is the object's authPolicy, a hash over the PCR digest and
// the expiry. Parsing is outside input (a file on the node's disk): fuzzed in
// fuzz/attest_protocol_fuzz.cpp.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::attest {

inline constexpr std::size_t k_cache_key_bytes = 32;

struct SealedCacheFile {
  std::string secret;     // the secret's name (a cache for another name is not used)
  std::string selection;  // the PCR selection of the policy, "sha256:0-7"
  std::uint64_t expires_clock = 0;
  std::string policy_digest;  // 32 bytes
  std::string public_area;
  std::string private_area;
  std::string iv;          // 12 bytes
  std::string ciphertext;  // with the 16-byte tag
};

std::string sealed_cache_text(const SealedCacheFile& file);
// bad_input for anything but the format above (types, base64, sizes).
Result<SealedCacheFile> parse_sealed_cache(std::string_view text);

// The secret under key (k_cache_key_bytes) into file.iv / file.ciphertext; the AAD binds
// file.secret and file.public_area, so set those first.
Result<void> encrypt_cached_secret(SealedCacheFile& file, std::string_view key,
                                   std::string_view secret);
Result<std::string> decrypt_cached_secret(const SealedCacheFile& file, std::string_view key);

}  // namespace ztp::attest
