#include "audit/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

namespace ztp::audit {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// Fetched once: EVP_MAC_fetch walks the provider tables on every call otherwise.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};

// Explicitly fetched once: EVP_sha256() makes OpenSSL 3 fetch on every EVP_Digest call.
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, MdDeleter> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return md.get();
}

Error crypto_error(std::string_view what) {
  return Error{ErrorKind::io_error, "OpenSSL " + std::string(what) + " failed"};
}

}  // namespace

Result<Bytes32> sha256(std::string_view data) {
  Bytes32 out{};
  unsigned int n = 0;
  const EVP_MD* md = sha256_algorithm();
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr) != 1 ||
      n != out.size()) {
    return tl::unexpected(crypto_error("SHA-256"));
  }
  return out;
}

Result<Bytes32> hmac_sha256(const Bytes32& key, std::string_view data) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) {
    return tl::unexpected(crypto_error("HMAC fetch"));
  }
  const std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  Bytes32 out{};
  std::size_t n = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != out.size()) {
    return tl::unexpected(crypto_error("HMAC-SHA256"));
  }
  return out;
}

HmacSha256::HmacSha256(const Bytes32& key) {
  EVP_MAC* mac = hmac_algorithm();
  EVP_MAC_CTX* ctx = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (ctx != nullptr && EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    ctx = nullptr;
  }
  m_ctx = ctx;
}

HmacSha256::HmacSha256(HmacSha256&& other) noexcept : m_ctx(other.m_ctx) { other.m_ctx = nullptr; }

HmacSha256& HmacSha256::operator=(HmacSha256&& other) noexcept {
  if (this != &other) {
    EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(m_ctx));
    m_ctx = other.m_ctx;
    other.m_ctx = nullptr;
  }
  return *this;
}

HmacSha256::~HmacSha256() { EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(m_ctx)); }

Result<Bytes32> HmacSha256::mac(std::string_view data) const {
  auto* ctx = static_cast<EVP_MAC_CTX*>(m_ctx);
  Bytes32 out{};
  std::size_t n = 0;
  // EVP_MAC_init(3): a NULL key re-initialises with the key already set.
  if (ctx == nullptr || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &n, out.size()) != 1 || n != out.size()) {
    return tl::unexpected(crypto_error("HMAC-SHA256"));
  }
  return out;
}

Result<Bytes32> random_bytes32() {
  Bytes32 out{};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return tl::unexpected(crypto_error("RAND_bytes"));
  }
  return out;
}

Result<Bytes32> evolve_key(const Bytes32& key) { return hmac_sha256(key, k_evolve_label); }

Result<Bytes32> evolve_key(Bytes32 key, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t e = from; e < to; ++e) {
    auto next = evolve_key(key);
    wipe(key);
    if (!next) {
      return next;
    }
    key = *next;
  }
  return key;
}

void wipe(Bytes32& key) { OPENSSL_cleanse(key.data(), key.size()); }

bool equal(const Bytes32& a, const Bytes32& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

constexpr char k_hex_digits[] = "0123456789abcdef";

int nibble(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Decodes exactly out_size bytes of lower-case hex into out; false when malformed.
bool decode_hex(std::string_view hex, unsigned char* out, std::size_t out_size) {
  if (hex.size() != out_size * 2) {
    return false;
  }
  for (std::size_t i = 0; i < out_size; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += k_hex_digits[b >> 4];
    out += k_hex_digits[b & 0x0f];
  }
  return out;
}

std::string to_hex(const Bytes32& bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<Bytes32> from_hex(std::string_view hex) {
  Bytes32 out{};
  if (!decode_hex(hex, out.data(), out.size())) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> bytes_from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out(hex.size() / 2, '\0');
  if (!decode_hex(hex, reinterpret_cast<unsigned char*>(out.data()), out.size())) {
    return std::nullopt;
  }
  return out;
}

std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace and returns padding as zero bytes; the
  // round trip below rejects both, so only the canonical encoding passes.
  if (text.size() % 4 != 0 || text.size() > (1u << 20)) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  std::size_t pad = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && pad < 2; --i) {
    ++pad;
  }
  out.resize(static_cast<std::size_t>(n) - std::min<std::size_t>(pad, static_cast<std::size_t>(n)));
  if (to_base64(out) != text) {
    return std::nullopt;
  }
  return out;
}

}  // namespace ztp::audit
