#include "attest/sealed_cache.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attest/sealed_file.h"
#include "common/posix_file.h"
#include "esapi/sealing.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::attest {
namespace {

// The selection the verifier approves (attest/verifier.cpp): the same boot state.
constexpr std::string_view k_selection = "sha256:0-7";
constexpr std::size_t k_max_cache_file = 256 * 1024;

using Read = tl::expected<CacheHit, CacheMiss>;

Read miss(CacheMiss m) { return tl::unexpected(m); }

CacheMiss miss_of(esapi::UnsealRefusal r) {
  switch (r) {
    case esapi::UnsealRefusal::boot_state_changed:
      return CacheMiss::boot_state_changed;
    case esapi::UnsealRefusal::expired:
      return CacheMiss::expired;
    default:
      return CacheMiss::not_this_tpm;
  }
}

// Wipes a key copy when it goes out of scope.
struct Wiped {
  std::string bytes;
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

std::string_view describe(CacheMiss m) {
  switch (m) {
    case CacheMiss::absent:
      return "no sealed cache yet";
    case CacheMiss::other_secret:
      return "the sealed cache holds another secret";
    case CacheMiss::damaged:
      return "the sealed cache file is damaged";
    case CacheMiss::boot_state_changed:
      return "the boot state (PCR0..7) changed since sealing";
    case CacheMiss::expired:
      return "the sealed cache expired (TPM clock)";
    case CacheMiss::not_this_tpm:
      return "the sealed cache was made by another TPM (or before a TPM clear)";
  }
  return "unknown";
}

Result<Read> read_sealed_cache(esapi::Session& tpm, const std::filesystem::path& path,
                               std::string_view secret_name) {
  auto text = read_local_file(path, k_max_cache_file);
  if (!text) {
    if (text.error().kind == ErrorKind::not_found) {
      return miss(CacheMiss::absent);
    }
    return tl::unexpected(text.error());
  }
  auto file = parse_sealed_cache(*text);
  if (!file || file->selection != k_selection) {
    return miss(CacheMiss::damaged);
  }
  if (file->secret != secret_name) {
    return miss(CacheMiss::other_secret);
  }
  auto selection = tpmquote::parse_pcr_selection(k_selection);
  if (!selection) {
    return tl::unexpected(selection.error());
  }
  const esapi::SealedObject object{file->public_area, file->private_area, file->policy_digest,
                                   file->expires_clock};
  auto unsealed = esapi::unseal(tpm, object, *selection);
  if (!unsealed) {
    if (unsealed.error().kind == ErrorKind::bad_input) {
      return miss(CacheMiss::damaged);  // blobs that are not TPM2B structures
    }
    return tl::unexpected(unsealed.error());
  }
  const Wiped key{std::move(unsealed->data)};
  if (unsealed->refusal != esapi::UnsealRefusal::none) {
    return miss(miss_of(unsealed->refusal));
  }
  auto secret = decrypt_cached_secret(*file, key.bytes);
  if (!secret) {
    return miss(CacheMiss::damaged);
  }
  auto now = esapi::tpm_clock(tpm);
  if (!now) {
    return tl::unexpected(now.error());
  }
  const std::uint64_t remaining = file->expires_clock > *now ? file->expires_clock - *now : 0;
  return Read(CacheHit{std::move(*secret), remaining});
}

Result<void> write_sealed_cache(esapi::Session& tpm, const std::filesystem::path& path,
                                std::string_view secret_name, std::string_view secret,
                                std::chrono::seconds ttl) {
  auto selection = tpmquote::parse_pcr_selection(k_selection);
  auto now = esapi::tpm_clock(tpm);
  if (!selection || !now) {
    return tl::unexpected(!selection ? selection.error() : now.error());
  }
  Wiped key{std::string(k_cache_key_bytes, '\0')};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.bytes.data()),
                 static_cast<int>(key.bytes.size())) != 1) {
    return fail(ErrorKind::io_error, "no random bytes");
  }
  const auto expires = *now + static_cast<std::uint64_t>(ttl.count()) * 1000u;
  auto sealed = esapi::seal(tpm, key.bytes, *selection, expires);
  if (!sealed) {
    return tl::unexpected(sealed.error());
  }
  SealedCacheFile file;
  file.secret = std::string(secret_name);
  file.selection = std::string(k_selection);
  file.expires_clock = expires;
  file.policy_digest = sealed->policy_digest;
  file.public_area = sealed->public_area;
  file.private_area = sealed->private_area;
  if (auto ok = encrypt_cached_secret(file, key.bytes, secret); !ok) {
    return ok;
  }
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  return write_file_atomic(dir, path.filename().string(), sealed_cache_text(file), 0600);
}

}  // namespace ztp::attest
