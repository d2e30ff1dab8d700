#include "tpmquote/quote_verify.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "audit/crypto.h"

namespace ztp::tpmquote {
namespace {

constexpr std::string_view k_ak_format = "ztp-prem-ak/v1";

// TPMA_OBJECT bits an attestation key must carry, and the one it must not (TPM 2.0
// Part 2 section 8.3; research note attest.md section 0.2, rule R2).
constexpr TPMA_OBJECT k_ak_required = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                                      TPMA_OBJECT_SIGN_ENCRYPT;

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

const std::uint8_t* bytes(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

template <class T>
struct Freer {
  void operator()(T* p) const;
};
template <>
void Freer<EVP_PKEY>::operator()(EVP_PKEY* p) const {
  EVP_PKEY_free(p);
}
template <>
void Freer<EVP_PKEY_CTX>::operator()(EVP_PKEY_CTX* p) const {
  EVP_PKEY_CTX_free(p);
}
template <>
void Freer<ECDSA_SIG>::operator()(ECDSA_SIG* p) const {
  ECDSA_SIG_free(p);
}
template <>
void Freer<OSSL_PARAM_BLD>::operator()(OSSL_PARAM_BLD* p) const {
  OSSL_PARAM_BLD_free(p);
}
template <>
void Freer<OSSL_PARAM>::operator()(OSSL_PARAM* p) const {
  OSSL_PARAM_free(p);
}
template <class T>
using Owned = std::unique_ptr<T, Freer<T>>;

Result<TPMT_PUBLIC> unmarshal_public(std::string_view tpm2b_public) {
  TPM2B_PUBLIC pub{};
  std::size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes(tpm2b_public), tpm2b_public.size(), &offset, &pub) !=
          TSS2_RC_SUCCESS ||
      offset != tpm2b_public.size()) {
    return bad("the AK public area is not a TPM2B_PUBLIC");
  }
  return pub.publicArea;
}

Result<void> check_ak_attributes(const TPMT_PUBLIC& p) {
  if (p.type != TPM2_ALG_ECC || p.nameAlg != TPM2_ALG_SHA256 ||
      p.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
      p.parameters.eccDetail.scheme.scheme != TPM2_ALG_ECDSA ||
      p.parameters.eccDetail.scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256) {
    return bad("the AK is not an ECC P-256 ECDSA-SHA256 key with nameAlg SHA-256");
  }
  if ((p.objectAttributes & k_ak_required) != k_ak_required ||
      (p.objectAttributes & TPMA_OBJECT_DECRYPT) != 0) {
    return bad(
        "the AK's attributes are not restricted|sign|fixedTPM|fixedParent|"
        "sensitiveDataOrigin without decrypt: it need not be a TPM-resident attestation key");
  }
  const auto& u = p.unique.ecc;
  if (u.x.size != 32 || u.y.size != 32) {
    return bad("the AK's public point is not a P-256 point");
  }
  return {};
}

// Name = nameAlg (big-endian) || SHA-256(marshalled TPMT_PUBLIC) (TPM 2.0 Part 1, 16).
Result<std::string> name_of(const TPMT_PUBLIC& p) {
  std::uint8_t buffer[sizeof(TPMT_PUBLIC)];
  std::size_t offset = 0;
  if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, buffer, sizeof buffer, &offset) != TSS2_RC_SUCCESS) {
    return bad("cannot marshal the AK public area");
  }
  auto digest = audit::sha256(std::string_view(reinterpret_cast<const char*>(buffer), offset));
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  std::string name = {static_cast<char>(TPM2_ALG_SHA256 >> 8),
                      static_cast<char>(TPM2_ALG_SHA256 & 0xff)};
  name.append(reinterpret_cast<const char*>(digest->data()), digest->size());
  return name;
}

Result<Owned<EVP_PKEY>> ec_public_key(const TPMT_PUBLIC& p) {
  const auto& u = p.unique.ecc;
  unsigned char point[65];
  point[0] = 0x04;  // uncompressed (SEC 1 section 2.3.3)
  std::copy(u.x.buffer, u.x.buffer + 32, point + 1);
  std::copy(u.y.buffer, u.y.buffer + 32, point + 33);
  Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) !=
          1) {
    return fail(ErrorKind::io_error, "OpenSSL: cannot build the AK key parameters");
  }
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return bad("the AK's public point is not on P-256");
  }
  return Owned<EVP_PKEY>(key);
}

// TPMS_SIGNATURE_ECDSA (r, s) to the DER ECDSA-Sig-Value OpenSSL verifies (RFC 3279).
Result<std::string> ecdsa_der(const TPMT_SIGNATURE& sig) {
  const auto& e = sig.signature.ecdsa;
  Owned<ECDSA_SIG> s(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(e.signatureR.buffer, e.signatureR.size, nullptr);
  BIGNUM* ss = BN_bin2bn(e.signatureS.buffer, e.signatureS.size, nullptr);
  if (!s || r == nullptr || ss == nullptr || ECDSA_SIG_set0(s.get(), r, ss) != 1) {
    BN_free(r);
    BN_free(ss);
    return fail(ErrorKind::io_error, "OpenSSL: cannot build the ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(s.get(), &der);
  if (n <= 0) {
    return fail(ErrorKind::io_error, "OpenSSL: cannot encode the ECDSA signature");
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace

Result<AkPublic> ak_from_public(std::string_view tpm2b_public) {
  auto pub = unmarshal_public(tpm2b_public);
  if (!pub) {
    return tl::unexpected(pub.error());
  }
  if (auto ok = check_ak_attributes(*pub); !ok) {
    return tl::unexpected(ok.error());
  }
  auto name = name_of(*pub);
  if (!name) {
    return tl::unexpected(name.error());
  }
  return AkPublic{std::string(tpm2b_public), std::move(*name)};
}

std::string ak_file_text(const AkPublic& ak) {
  nlohmann::json j;
  j["format"] = k_ak_format;
  j["name"] = audit::to_hex(ak.name);
  j["public"] = audit::to_base64(ak.public_area);
  return j.dump() + "\n";
}

Result<AkPublic> parse_ak_file(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || j["format"] != k_ak_format ||
      !j.contains("public") || !j["public"].is_string() || !j.contains("name") ||
      !j["name"].is_string()) {
    return bad("not an AK file (ztp-prem-tpm ak --out writes one: format " +
               std::string(k_ak_format) + ", name, public)");
  }
  const auto pub = audit::from_base64(j["public"].get<std::string>());
  if (!pub) {
    return bad("the AK file's public area is not base64");
  }
  auto ak = ak_from_public(*pub);
  if (!ak) {
    return ak;
  }
  if (audit::to_hex(ak->name) != j["name"].get<std::string>()) {
    return bad("the AK file's name does not match its public area");
  }
  return ak;
}

Result<QuoteBody> parse_quote_attest(std::string_view attest) {
  TPMS_ATTEST a{};
  std::size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(bytes(attest), attest.size(), &offset, &a) != TSS2_RC_SUCCESS ||
      offset != attest.size()) {
    return bad("attest is not a TPMS_ATTEST");
  }
  if (a.magic != TPM2_GENERATED_VALUE) {
    return bad("attest magic is not TPM_GENERATED_VALUE: the TPM did not produce it");
  }
  if (a.type != TPM2_ST_ATTEST_QUOTE) {
    return bad("attest is not a quote (type is not TPM_ST_ATTEST_QUOTE)");
  }
  QuoteBody body;
  body.extra_data.assign(reinterpret_cast<const char*>(a.extraData.buffer), a.extraData.size);
  const TPMS_QUOTE_INFO& q = a.attested.quote;
  body.pcr_digest.assign(reinterpret_cast<const char*>(q.pcrDigest.buffer), q.pcrDigest.size);
  std::uint8_t buffer[sizeof(TPML_PCR_SELECTION)];
  std::size_t out = 0;
  if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&q.pcrSelect, buffer, sizeof buffer, &out) !=
      TSS2_RC_SUCCESS) {
    return bad("attest holds an unmarshallable PCR selection");
  }
  body.signed_selection.assign(reinterpret_cast<const char*>(buffer), out);
  return body;
}

// SHA-256 fetched once per process: an implicit fetch (EVP_sha256() in DigestVerifyInit)
// costs a provider lookup per call (OpenSSL 3 migration guide, "Implicit and explicit
// fetching").
namespace {
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
}  // namespace

Result<SignatureVerifier> SignatureVerifier::create(const AkPublic& ak) {
  auto pub = unmarshal_public(ak.public_area);
  if (!pub) {
    return tl::unexpected(pub.error());
  }
  auto key = ec_public_key(*pub);
  if (!key) {
    return tl::unexpected(key.error());
  }
  // The verification context, initialised once: each verify() duplicates it (cheap: the
  // key is shared by reference) instead of building one, which made every check pay a
  // second key setup and algorithm fetch.
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!ctx || sha256_md() == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), sha256_md()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::io_error, "OpenSSL: cannot set up ECDSA verification");
  }
  SignatureVerifier v;
  v.m_key = std::shared_ptr<void>(key->release(),
                                  [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  v.m_ctx = std::shared_ptr<void>(
      ctx.release(), [](void* p) { EVP_PKEY_CTX_free(static_cast<EVP_PKEY_CTX*>(p)); });
  return v;
}

Result<void> SignatureVerifier::verify(std::string_view attest, std::string_view signature) const {
  TPMT_SIGNATURE sig{};
  std::size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(bytes(signature), signature.size(), &offset, &sig) !=
          TSS2_RC_SUCCESS ||
      offset != signature.size()) {
    return bad("signature is not a TPMT_SIGNATURE");
  }
  if (sig.sigAlg != TPM2_ALG_ECDSA || sig.signature.ecdsa.hash != TPM2_ALG_SHA256) {
    return bad("signature is not ECDSA with SHA-256");
  }
  auto der = ecdsa_der(sig);
  if (!der) {
    return tl::unexpected(der.error());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(attest.data(), attest.size(), digest, &digest_size, sha256_md(), nullptr) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::io_error, "OpenSSL: SHA-256 failed");
  }
  // A copy per call: verify() is const and the service calls it from several threads.
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_dup(static_cast<EVP_PKEY_CTX*>(m_ctx.get())));
  if (!ctx) {
    return fail(ErrorKind::io_error, "OpenSSL: cannot start ECDSA verification");
  }
  if (EVP_PKEY_verify(ctx.get(), bytes(*der), der->size(), digest, digest_size) != 1) {
    ERR_clear_error();
    return bad("the signature does not verify with this AK");
  }
  return {};
}

Result<void> verify_quote_signature(const AkPublic& ak, std::string_view attest,
                                    std::string_view signature) {
  auto verifier = SignatureVerifier::create(ak);
  if (!verifier) {
    return tl::unexpected(verifier.error());
  }
  return verifier->verify(attest, signature);
}

}  // namespace ztp::tpmquote
