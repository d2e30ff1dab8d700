#include "attest/release.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "attest/openssl_owned.h"
#include "audit/crypto.h"

namespace ztp::attest {
namespace {

using ossl::Owned;
using ossl::u8;

constexpr std::string_view k_binding_label{"ztp-prem attest v1\0", 19};
constexpr std::string_view k_hkdf_info = "ztp-prem release v1";
constexpr std::size_t k_tag_bytes = 16;
constexpr std::size_t k_iv_bytes = 12;

tl::unexpected<Error> openssl_fault(std::string what) {
  ERR_clear_error();
  return fail(ErrorKind::io_error, "OpenSSL: " + std::move(what));
}

Result<Owned<EVP_PKEY>> point_key(std::string_view point) {
  if (point.size() != k_point_bytes || point[0] != 0x04) {
    return fail(ErrorKind::bad_input, "the ephemeral key is not an uncompressed P-256 point");
  }
  Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return openssl_fault("cannot build the point parameters");
  }
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::bad_input, "the ephemeral key is not a point on P-256");
  }
  Owned<EVP_PKEY> owned(key);
  // EVP_PKEY_fromdata does not reject points off the curve by itself (OpenSSL 3.0).
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::bad_input, "the ephemeral key is not a point on P-256");
  }
  return owned;
}

Result<Owned<EVP_PKEY>> new_p256() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1");
  if (key == nullptr) {
    return openssl_fault("cannot generate a P-256 key");
  }
  return Owned<EVP_PKEY>(key);
}

Result<std::string> encode_point(EVP_PKEY* key) {
  unsigned char buf[k_point_bytes];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf,
                                      &len) != 1 ||
      len != k_point_bytes) {
    return openssl_fault("cannot encode a P-256 public point");
  }
  return std::string(reinterpret_cast<const char*>(buf), len);
}

// ECDH then HKDF-SHA256(salt = nonce, info = label || recipient || sender) -> 32 bytes.
Result<std::string> shared_key(EVP_PKEY* own, EVP_PKEY* peer, std::string_view nonce,
                               std::string_view recipient, std::string_view sender) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return openssl_fault("ECDH failed");
  }
  std::string z(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(z.data()), &len) != 1) {
    return openssl_fault("ECDH failed");
  }
  std::string info = std::string(k_hkdf_info) + std::string(recipient) + std::string(sender);
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  Owned<EVP_KDF_CTX> kctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z.data(), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(nonce.data()),
                                        nonce.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::string key(32, '\0');
  const bool ok = kctx && EVP_KDF_derive(kctx.get(), reinterpret_cast<unsigned char*>(key.data()),
                                         key.size(), params) == 1;
  OPENSSL_cleanse(z.data(), z.size());
  if (!ok) {
    return openssl_fault("HKDF-SHA256 failed");
  }
  return key;
}

}  // namespace

Result<std::string> aes256_gcm(bool encrypt, std::string_view key, std::string_view iv,
                               std::string_view aad, std::string_view in) {
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  std::string_view body = in;
  std::string tag;
  if (!encrypt) {
    if (in.size() < k_tag_bytes) {
      return fail(ErrorKind::bad_input, "the released secret is truncated");
    }
    body = in.substr(0, in.size() - k_tag_bytes);
    tag = std::string(in.substr(in.size() - k_tag_bytes));
  }
  std::string out(body.size(), '\0');
  int n = 0;
  int tail = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key), u8(iv), encrypt) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &n, u8(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_CipherUpdate(ctx.get(), o, &n, u8(body), static_cast<int>(body.size())) != 1) {
    return openssl_fault("AES-256-GCM failed");
  }
  if (!encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, k_tag_bytes, tag.data()) != 1) {
    return openssl_fault("AES-256-GCM failed");
  }
  if (EVP_CipherFinal_ex(ctx.get(), o + n, &tail) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::bad_input, "the released secret does not authenticate");
  }
  if (encrypt) {
    unsigned char t[k_tag_bytes];
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, k_tag_bytes, t) != 1) {
      return openssl_fault("AES-256-GCM tag failed");
    }
    out.append(reinterpret_cast<const char*>(t), k_tag_bytes);
  }
  return out;
}

Result<std::string> quote_binding(std::string_view nonce, std::string_view ephemeral_point,
                                  std::string_view node) {
  std::string data(k_binding_label);
  data.append(nonce).append(ephemeral_point).append(node);
  auto digest = audit::sha256(data);
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  return std::string(reinterpret_cast<const char*>(digest->data()), digest->size());
}

Result<Envelope> seal_to(std::string_view recipient_point, std::string_view nonce,
                         std::string_view aad, std::string_view secret) {
  auto peer = point_key(recipient_point);
  if (!peer) {
    return tl::unexpected(peer.error());
  }
  auto own = new_p256();
  if (!own) {
    return tl::unexpected(own.error());
  }
  auto own_point = encode_point(own->get());
  if (!own_point) {
    return tl::unexpected(own_point.error());
  }
  auto key = shared_key(own->get(), peer->get(), nonce, recipient_point, *own_point);
  if (!key) {
    return tl::unexpected(key.error());
  }
  std::string iv(k_iv_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), static_cast<int>(iv.size())) != 1) {
    return openssl_fault("no random bytes");
  }
  auto ct = aes256_gcm(true, *key, iv, aad, secret);
  OPENSSL_cleanse(key->data(), key->size());
  if (!ct) {
    return tl::unexpected(ct.error());
  }
  return Envelope{std::move(*own_point), std::move(iv), std::move(*ct)};
}

Result<EphemeralKey> EphemeralKey::generate() {
  auto key = new_p256();
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto point = encode_point(key->get());
  if (!point) {
    return tl::unexpected(point.error());
  }
  EphemeralKey k;
  k.m_point = std::move(*point);
  k.m_key = std::shared_ptr<void>(key->release(),
                                  [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  return k;
}

Result<std::string> EphemeralKey::open(const Envelope& envelope, std::string_view nonce,
                                       std::string_view aad) const {
  if (envelope.iv.size() != k_iv_bytes) {
    return fail(ErrorKind::bad_input, "the released secret's IV is not 12 bytes");
  }
  auto peer = point_key(envelope.verifier_point);
  if (!peer) {
    return tl::unexpected(peer.error());
  }
  auto key = shared_key(static_cast<EVP_PKEY*>(m_key.get()), peer->get(), nonce, m_point,
                        envelope.verifier_point);
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto plain = aes256_gcm(false, *key, envelope.iv, aad, envelope.ciphertext);
  OPENSSL_cleanse(key->data(), key->size());
  return plain;
}

}  // namespace ztp::attest
