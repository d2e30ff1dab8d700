#include "esapi/endorsement.h"

#include <algorithm>
#include <cstring>

#include "esapi/loaded_primary.h"

namespace ztp::esapi {
namespace {

using detail::owned;
using detail::rc_text;

// TCG EK Credential Profile 2.0 B.3.3 template L-1 and its authPolicy,
// PolicySecret(TPM_RH_ENDORSEMENT) (B.3.2).
constexpr std::uint8_t k_ek_policy[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
    0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
constexpr TPM2_HANDLE k_ek_cert_rsa_index = 0x01C00002;
// Read NV in pieces no larger than any TPM's TPM2_PT_NV_BUFFER_MAX (>= 512 on PC Client).
constexpr UINT16 k_nv_chunk = 512;

TPM2B_PUBLIC ek_template() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_RSA;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.authPolicy.size = sizeof k_ek_policy;
  std::memcpy(p.authPolicy.buffer, k_ek_policy, sizeof k_ek_policy);
  TPMS_RSA_PARMS& rsa = p.parameters.rsaDetail;
  rsa.symmetric.algorithm = TPM2_ALG_AES;
  rsa.symmetric.keyBits.aes = 128;
  rsa.symmetric.mode.aes = TPM2_ALG_CFB;
  rsa.scheme.scheme = TPM2_ALG_NULL;
  rsa.keyBits = 2048;
  rsa.exponent = 0;
  p.unique.rsa.size = 256;  // 256 zero bytes (template L-1)
  return t;
}

Result<detail::LoadedPrimary> create_ek(Session& session) {
  return detail::LoadedPrimary::create(session, ESYS_TR_RH_ENDORSEMENT, ek_template(),
                                       "TPM2_CreatePrimary(endorsement, EK)");
}

// A policy session whose digest is PolicySecret(TPM_RH_ENDORSEMENT): the EK's authPolicy.
class EkPolicySession {
 public:
  static Result<EkPolicySession> start(Session& session) {
    ESYS_CONTEXT* esys = session.context();
    const TPMT_SYM_DEF symmetric{TPM2_ALG_NULL, {}, {}};
    ESYS_TR handle = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       ESYS_TR_NONE, nullptr, TPM2_SE_POLICY, &symmetric,
                                       TPM2_ALG_SHA256, &handle);
    if (rc != TSS2_RC_SUCCESS) {
      return fail(ErrorKind::io_error, rc_text("TPM2_StartAuthSession(policy)", rc));
    }
    EkPolicySession s(esys, handle);
    TPM2B_TIMEOUT* timeout = nullptr;
    TPMT_TK_AUTH* ticket = nullptr;
    rc = Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, &timeout, &ticket);
    owned(timeout);
    owned(ticket);
    if (rc != TSS2_RC_SUCCESS) {
      return fail(ErrorKind::io_error, rc_text("TPM2_PolicySecret(endorsement)", rc));
    }
    return s;
  }
  EkPolicySession(EkPolicySession&& o) noexcept : m_esys(o.m_esys), m_handle(o.m_handle) {
    o.m_handle = ESYS_TR_NONE;
  }
  EkPolicySession& operator=(EkPolicySession&&) = delete;
  EkPolicySession(const EkPolicySession&) = delete;
  EkPolicySession& operator=(const EkPolicySession&) = delete;
  ~EkPolicySession() {
    if (m_handle != ESYS_TR_NONE) {
      (void)Esys_FlushContext(m_esys, m_handle);  // already gone if the command ended it
    }
  }
  ESYS_TR handle() const { return m_handle; }

 private:
  EkPolicySession(ESYS_CONTEXT* esys, ESYS_TR handle) : m_esys(esys), m_handle(handle) {}
  ESYS_CONTEXT* m_esys;
  ESYS_TR m_handle;
};

template <class T, class F>
Result<T> unmarshal(std::string_view bytes, F fn, std::string_view what) {
  T value{};
  std::size_t offset = 0;
  if (fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), &offset, &value) !=
          TSS2_RC_SUCCESS ||
      offset != bytes.size()) {
    return fail(ErrorKind::bad_input, "the verifier's " + std::string(what) + " is malformed");
  }
  return value;
}

}  // namespace

Result<std::string> endorsement_key_public(Session& session) {
  auto ek = create_ek(session);
  if (!ek) {
    return tl::unexpected(ek.error());
  }
  return ek->public_area();
}

Result<std::optional<std::string>> endorsement_certificate(Session& session) {
  ESYS_CONTEXT* esys = session.context();
  ESYS_TR nv = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, k_ek_cert_rsa_index, ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &nv);
  if ((rc & 0xfff) == TPM2_RC_HANDLE || (rc & 0xbf) == 0x8b) {  // TPM_RC_HANDLE: no such index
    return std::optional<std::string>();
  }
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("reading the EK certificate index", rc));
  }
  TPM2B_NV_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
  auto pub_owned = owned(pub);
  owned(name);
  if (rc != TSS2_RC_SUCCESS) {
    (void)Esys_TR_Close(esys, &nv);
    return fail(ErrorKind::io_error, rc_text("TPM2_NV_ReadPublic(EK certificate)", rc));
  }
  const UINT16 size = pub->nvPublic.dataSize;
  std::string der;
  for (UINT16 offset = 0; offset < size;) {
    const UINT16 n = std::min<UINT16>(k_nv_chunk, static_cast<UINT16>(size - offset));
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    // The EK certificate index is readable with owner authorisation (ownerRead; EK
    // Credential Profile 2.0 section 2.2.1.2), which is empty by default.
    rc = Esys_NV_Read(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                      offset, &data);
    auto data_owned = owned(data);
    if (rc != TSS2_RC_SUCCESS) {
      (void)Esys_TR_Close(esys, &nv);
      return fail(ErrorKind::io_error, rc_text("TPM2_NV_Read(EK certificate)", rc));
    }
    der.append(reinterpret_cast<const char*>(data->buffer), data->size);
    offset = static_cast<UINT16>(offset + n);
  }
  (void)Esys_TR_Close(esys, &nv);
  return std::optional<std::string>(std::move(der));
}

Result<std::string> activate_credential(Session& session, std::string_view id_object,
                                        std::string_view encrypted_secret) {
  auto ak = detail::create_ak(session);
  if (!ak) {
    return tl::unexpected(ak.error());
  }
  return activate_credential_for(session, ak->handle(), id_object, encrypted_secret);
}

Result<std::string> activate_credential_for(Session& session, std::uint32_t object,
                                            std::string_view id_object,
                                            std::string_view encrypted_secret) {
  auto blob =
      unmarshal<TPM2B_ID_OBJECT>(id_object, Tss2_MU_TPM2B_ID_OBJECT_Unmarshal, "credential blob");
  auto secret = unmarshal<TPM2B_ENCRYPTED_SECRET>(
      encrypted_secret, Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal, "encrypted secret");
  if (!blob || !secret) {
    return tl::unexpected(!blob ? blob.error() : secret.error());
  }
  auto ek = create_ek(session);
  if (!ek) {
    return tl::unexpected(ek.error());
  }
  auto policy = EkPolicySession::start(session);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  TPM2B_DIGEST* cert_info = nullptr;
  const TSS2_RC rc =
      Esys_ActivateCredential(session.context(), object, ek->handle(), ESYS_TR_PASSWORD,
                              policy->handle(), ESYS_TR_NONE, &*blob, &*secret, &cert_info);
  auto info = owned(cert_info);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_ActivateCredential", rc));
  }
  return std::string(reinterpret_cast<const char*>(cert_info->buffer), cert_info->size);
}

}  // namespace ztp::esapi
