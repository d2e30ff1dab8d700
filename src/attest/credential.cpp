#include "attest/credential.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <tss2/tss2_mu.h>

#include <cstring>

#include "attest/openssl_owned.h"
#include "audit/crypto.h"

namespace ztp::attest {
namespace {

using ossl::Owned;
using ossl::u8;

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}
tl::unexpected<Error> openssl_fault(std::string what) {
  ERR_clear_error();
  return fail(ErrorKind::io_error, "OpenSSL: " + std::move(what));
}

// EK template L-1 attributes (EK Credential Profile 2.0 B.3.3): fixedTPM, fixedParent,
// sensitiveDataOrigin, adminWithPolicy, restricted, decrypt.
constexpr TPMA_OBJECT k_ek_required = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                                      TPMA_OBJECT_DECRYPT;

// Label strings of Part 1 section 24: "IDENTITY" (OAEP label of the seed), "STORAGE"
// (the symmetric key), "INTEGRITY" (the HMAC key), each with its terminating zero.
constexpr std::string_view k_identity_label{"IDENTITY\0", 9};

Result<Owned<EVP_PKEY>> rsa_key(std::string_view modulus, std::uint32_t exponent) {
  Owned<BIGNUM> n(BN_bin2bn(u8(modulus), static_cast<int>(modulus.size()), nullptr));
  Owned<BIGNUM> e(BN_new());
  Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (!n || !e || !build || BN_set_word(e.get(), exponent) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return openssl_fault("cannot build the EK key parameters");
  }
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return openssl_fault("the EK's modulus is not an RSA public key");
  }
  return Owned<EVP_PKEY>(key);
}

// RSA-OAEP with the EK's nameAlg and label "IDENTITY" (Part 1 section 24.4, B.10.3).
Result<std::string> oaep_encrypt(const EkPublic& ek, std::string_view seed) {
  auto key = rsa_key(ek.modulus, 65537);
  if (!key) {
    return tl::unexpected(key.error());
  }
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  auto* label = static_cast<unsigned char*>(OPENSSL_memdup(k_identity_label.data(), 9));
  if (!ctx || label == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, 9) != 1) {
    OPENSSL_free(label);
    return openssl_fault("cannot set up RSA-OAEP");
  }
  std::size_t size = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, u8(seed), seed.size()) != 1) {
    return openssl_fault("RSA-OAEP size query failed");
  }
  std::string out(size, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, u8(seed),
                       seed.size()) != 1) {
    return openssl_fault("RSA-OAEP encryption failed");
  }
  out.resize(size);
  return out;
}

Result<std::string> aes128_cfb_encrypt(std::string_view key, std::string_view plain) {
  // IV all zero: the key is fresh per credential (Part 1 section 24.4).
  const unsigned char iv[16] = {};
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  std::string out(plain.size(), '\0');
  int n = 0;
  int tail = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cfb128(), nullptr, u8(key), iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, u8(plain),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &tail) !=
          1) {
    return openssl_fault("AES-128-CFB encryption failed");
  }
  return out;
}

Result<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[32];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), u8(data),
                data.size(), mac, sizeof mac, &len) == nullptr) {
    return openssl_fault("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

template <class T, class F>
Result<std::string> marshal(const T& value, F fn, std::string_view what) {
  std::string out(sizeof(T), '\0');
  std::size_t offset = 0;
  if (fn(&value, reinterpret_cast<std::uint8_t*>(out.data()), out.size(), &offset) !=
      TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, "cannot marshal " + std::string(what));
  }
  out.resize(offset);
  return out;
}

Result<std::string> name_of(const TPMT_PUBLIC& p) {
  auto marshalled = marshal(p, Tss2_MU_TPMT_PUBLIC_Marshal, "the EK public area");
  if (!marshalled) {
    return marshalled;
  }
  auto digest = audit::sha256(*marshalled);
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  std::string name = {static_cast<char>(TPM2_ALG_SHA256 >> 8),
                      static_cast<char>(TPM2_ALG_SHA256 & 0xff)};
  name.append(reinterpret_cast<const char*>(digest->data()), digest->size());
  return name;
}

Result<void> check_ek_parameters(const TPMT_PUBLIC& p) {
  const TPMS_RSA_PARMS& rsa = p.parameters.rsaDetail;
  if (p.type != TPM2_ALG_RSA || p.nameAlg != TPM2_ALG_SHA256 || rsa.keyBits != 2048 ||
      (rsa.exponent != 0 && rsa.exponent != 65537) || rsa.symmetric.algorithm != TPM2_ALG_AES ||
      rsa.symmetric.keyBits.aes != 128 || rsa.symmetric.mode.aes != TPM2_ALG_CFB ||
      rsa.scheme.scheme != TPM2_ALG_NULL) {
    return bad(
        "the EK is not an RSA 2048 storage key with AES-128-CFB and nameAlg SHA-256 (EK "
        "template L-1)");
  }
  if ((p.objectAttributes & k_ek_required) != k_ek_required ||
      (p.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) != 0) {
    return bad(
        "the EK's attributes are not those of an endorsement key (fixedTPM, restricted "
        "decrypt, no sign)");
  }
  if (p.unique.rsa.size != 256) {
    return bad("the EK's modulus is not 2048 bits");
  }
  return {};
}

}  // namespace

Result<EkPublic> ek_from_public(std::string_view tpm2b_public) {
  TPM2B_PUBLIC pub{};
  std::size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(u8(tpm2b_public), tpm2b_public.size(), &offset, &pub) !=
          TSS2_RC_SUCCESS ||
      offset != tpm2b_public.size()) {
    return bad("the EK public area is not a TPM2B_PUBLIC");
  }
  if (auto ok = check_ek_parameters(pub.publicArea); !ok) {
    return tl::unexpected(ok.error());
  }
  auto name = name_of(pub.publicArea);
  if (!name) {
    return tl::unexpected(name.error());
  }
  const auto& u = pub.publicArea.unique.rsa;
  return EkPublic{std::string(tpm2b_public), std::move(*name),
                  std::string(reinterpret_cast<const char*>(u.buffer), u.size)};
}

Result<void> check_ak_admin_role(std::string_view tpm2b_public) {
  TPM2B_PUBLIC pub{};
  std::size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(u8(tpm2b_public), tpm2b_public.size(), &offset, &pub) !=
          TSS2_RC_SUCCESS ||
      offset != tpm2b_public.size()) {
    return bad("the AK public area is not a TPM2B_PUBLIC");
  }
  if ((pub.publicArea.objectAttributes & TPMA_OBJECT_ADMINWITHPOLICY) != 0) {
    return bad(
        "the AK has adminWithPolicy SET: credential activation would not need its "
        "authValue");
  }
  return {};
}

Result<std::string> kdfa_sha256(std::string_view key, std::string_view label,
                                std::string_view context, std::size_t bytes) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "KBKDF", nullptr));
  Owned<EVP_KDF_CTX> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) {
    return openssl_fault("KBKDF is not available");
  }
  OSSL_PARAM params[7];
  std::size_t i = 0;
  params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, const_cast<char*>("HMAC"), 0);
  params[i++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0);
  params[i++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, const_cast<char*>("COUNTER"), 0);
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()),
                                                  key.size());
  // KBKDF's "salt" is SP 800-108's Label and "info" its Context.
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                  const_cast<char*>(label.data()), label.size());
  if (!context.empty()) {
    params[i++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<char*>(context.data()), context.size());
  }
  params[i] = OSSL_PARAM_construct_end();
  std::string out(bytes, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) !=
      1) {
    return openssl_fault("KDFa failed");
  }
  return out;
}

Result<Credential> make_credential(const EkPublic& ek, std::string_view ak_name,
                                   std::string_view secret) {
  if (secret.empty() || secret.size() > 32 || ak_name.size() != 34) {
    return bad("make_credential: the secret must be 1..32 bytes and the name a SHA-256 name");
  }
  auto seed = audit::random_bytes32();  // seed size = the EK nameAlg's digest size
  if (!seed) {
    return tl::unexpected(seed.error());
  }
  const std::string_view seed_bytes(reinterpret_cast<const char*>(seed->data()), seed->size());
  auto sym_key = kdfa_sha256(seed_bytes, "STORAGE", ak_name, 16);
  auto hmac_key = kdfa_sha256(seed_bytes, "INTEGRITY", {}, 32);
  if (!sym_key || !hmac_key) {
    return tl::unexpected(!sym_key ? sym_key.error() : hmac_key.error());
  }
  TPM2B_DIGEST plain{};
  plain.size = static_cast<UINT16>(secret.size());
  std::memcpy(plain.buffer, secret.data(), secret.size());
  auto plain_bytes = marshal(plain, Tss2_MU_TPM2B_DIGEST_Marshal, "the credential");
  if (!plain_bytes) {
    return tl::unexpected(plain_bytes.error());
  }
  auto enc_identity = aes128_cfb_encrypt(*sym_key, *plain_bytes);
  if (!enc_identity) {
    return tl::unexpected(enc_identity.error());
  }
  // outerHMAC = HMAC(HMACkey, encIdentity || name) (Part 1 section 24.5).
  auto integrity = hmac_sha256(*hmac_key, *enc_identity + std::string(ak_name));
  if (!integrity) {
    return tl::unexpected(integrity.error());
  }
  TPM2B_DIGEST outer{};
  outer.size = static_cast<UINT16>(integrity->size());
  std::memcpy(outer.buffer, integrity->data(), integrity->size());
  auto outer_bytes = marshal(outer, Tss2_MU_TPM2B_DIGEST_Marshal, "the integrity HMAC");
  if (!outer_bytes) {
    return tl::unexpected(outer_bytes.error());
  }
  TPM2B_ID_OBJECT id{};
  const std::string blob = *outer_bytes + *enc_identity;
  id.size = static_cast<UINT16>(blob.size());
  std::memcpy(id.credential, blob.data(), blob.size());
  auto encrypted = oaep_encrypt(ek, seed_bytes);
  audit::wipe(*seed);
  if (!encrypted) {
    return tl::unexpected(encrypted.error());
  }
  TPM2B_ENCRYPTED_SECRET es{};
  es.size = static_cast<UINT16>(encrypted->size());
  std::memcpy(es.secret, encrypted->data(), encrypted->size());
  auto id_bytes = marshal(id, Tss2_MU_TPM2B_ID_OBJECT_Marshal, "the credential blob");
  auto es_bytes = marshal(es, Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal, "the encrypted seed");
  if (!id_bytes || !es_bytes) {
    return tl::unexpected(!id_bytes ? id_bytes.error() : es_bytes.error());
  }
  return Credential{std::move(*id_bytes), std::move(*es_bytes)};
}

Result<void> check_ek_certificate(std::string_view certificate_der, const EkPublic& ek,
                                  std::string_view ca_bundle_pem) {
  const unsigned char* p = u8(certificate_der);
  Owned<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())));
  if (!cert || p != u8(certificate_der) + certificate_der.size()) {
    ERR_clear_error();
    return bad("the EK certificate is not one DER X.509 certificate");
  }
  Owned<X509_STORE> store(X509_STORE_new());
  Owned<BIO> bio(BIO_new_mem_buf(ca_bundle_pem.data(), static_cast<int>(ca_bundle_pem.size())));
  if (!store || !bio) {
    return openssl_fault("cannot set up certificate verification");
  }
  int loaded = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    Owned<X509> owned_ca(ca);
    if (X509_STORE_add_cert(store.get(), ca) == 1) {
      ++loaded;
    }
  }
  ERR_clear_error();  // the end of the bundle reads as an error
  if (loaded == 0) {
    return bad("the EK CA bundle holds no PEM certificate");
  }
  Owned<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return openssl_fault("cannot set up certificate verification");
  }
  // EK certificates carry TCG's own extended key usage (EK Credential Profile 3.2.x).
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return fail(ErrorKind::permission_denied, std::string("the EK certificate is not under the "
                                                          "EK CA: ") +
                                                  X509_verify_cert_error_string(code));
  }
  auto key = rsa_key(ek.modulus, 65537);
  if (!key) {
    return tl::unexpected(key.error());
  }
  if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key->get()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::permission_denied,
                "the EK certificate certifies another key than this EK");
  }
  return {};
}

}  // namespace ztp::attest
