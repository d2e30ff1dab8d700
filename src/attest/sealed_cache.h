#pragma once
// The node's sealed local copy of a released secret (issue 14 item 2; docs/attest.md
// "Sealed local cache"): after a release, the secret is kept in a file (sealed_file.h)
// that only this TPM can open, only while PCR0..7 hold the values they held at sealing
// (PolicyPCR) and only until the TPM clock passes the expiry (PolicyCounterTimer;
// esapi/sealing.h). A reboot into the same boot state then writes the secret without the
// verifier until the expiry; a changed boot state cannot unseal, and the node asks the
// verifier, which refuses a digest it has not approved.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "common/result.h"
#include "esapi/esapi_session.h"

namespace ztp::attest {

// Why the cache was not used (the node then asks the verifier).
enum class CacheMiss {
  absent,              // no cache file
  other_secret,        // the file caches another secret name
  damaged,             // not a cache file, or its ciphertext does not authenticate
  boot_state_changed,  // PCR0..7 differ from the sealed state
  expired,             // the TPM clock passed the expiry
  not_this_tpm,        // the sealed object does not load in this TPM
};
std::string_view describe(CacheMiss miss);

struct CacheHit {
  std::string secret;
  std::uint64_t remaining_ms = 0;  // TPM clock milliseconds until the expiry
};

// Reads and unseals path. A miss is a value; an Error is a fault (TPM unreachable, the
// file unreadable for another reason than absence).
Result<tl::expected<CacheHit, CacheMiss>> read_sealed_cache(esapi::Session& tpm,
                                                            const std::filesystem::path& path,
                                                            std::string_view secret_name);

// Seals a fresh key to sha256:0-7 and the TPM clock + ttl, encrypts the secret with it and
// replaces path (0600, atomically).
Result<void> write_sealed_cache(esapi::Session& tpm, const std::filesystem::path& path,
                                std::string_view secret_name, std::string_view secret,
                                std::chrono::seconds ttl);

}  // namespace ztp::attest
