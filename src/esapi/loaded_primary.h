#pragma once
// Internal to src/esapi: primary keys (the AK, the EK) as transient objects, flushed when
// they go out of scope (attestation.cpp quotes with the AK, endorsement.cpp activates a
// credential with the EK).

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "esapi/esapi_session.h"

namespace ztp::esapi::detail {

inline std::string rc_text(std::string_view what, TSS2_RC rc) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(rc));
  return std::string(what) + " failed: TSS2_RC " + hex;
}

template <class T>
using EsysOwned = std::unique_ptr<T, void (*)(void*)>;
template <class T>
inline EsysOwned<T> owned(T* p) {
  return EsysOwned<T>(p, Esys_Free);
}

// The fixed AK template (TPM 2.0 Part 2 section 12.2.4; header comment for the choices).
inline TPM2B_PUBLIC ak_template() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_NODA;
  TPMS_ECC_PARMS& ecc = p.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_NULL;
  ecc.scheme.scheme = TPM2_ALG_ECDSA;
  ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

// A primary object created from a fixed template in one hierarchy (the same key after
// every reboot, no persistent handle), as a transient handle flushed when it goes out of
// scope. The AK (owner hierarchy) and the EK (endorsement hierarchy, endorsement.cpp).
class LoadedPrimary {
 public:
  // what names the call in errors, e.g. "TPM2_CreatePrimary(owner, AK)".
  static Result<LoadedPrimary> create(Session& session, ESYS_TR hierarchy,
                                      const TPM2B_PUBLIC& in_public, std::string_view what) {
    ESYS_CONTEXT* esys = session.context();
    const TPM2B_SENSITIVE_CREATE sensitive{};
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION creation_pcrs{};
    ESYS_TR handle = ESYS_TR_NONE;
    TPM2B_PUBLIC* out_public = nullptr;
    TPM2B_CREATION_DATA* creation_data = nullptr;
    TPM2B_DIGEST* creation_hash = nullptr;
    TPMT_TK_CREATION* ticket = nullptr;
    const TSS2_RC rc = Esys_CreatePrimary(
        esys, hierarchy, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &in_public,
        &outside, &creation_pcrs, &handle, &out_public, &creation_data, &creation_hash, &ticket);
    auto pub = owned(out_public);
    owned(creation_data);
    owned(creation_hash);
    owned(ticket);
    if (rc != TSS2_RC_SUCCESS) {
      return fail(ErrorKind::io_error, rc_text(what, rc));
    }
    LoadedPrimary key(esys, handle);
    std::uint8_t buffer[sizeof(TPM2B_PUBLIC)];
    std::size_t offset = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub.get(), buffer, sizeof buffer, &offset) !=
        TSS2_RC_SUCCESS) {
      return fail(ErrorKind::io_error, std::string(what) + ": cannot marshal the public area");
    }
    key.m_public.assign(reinterpret_cast<const char*>(buffer), offset);
    return key;
  }
  LoadedPrimary(LoadedPrimary&& other) noexcept
      : m_esys(other.m_esys), m_handle(other.m_handle), m_public(std::move(other.m_public)) {
    other.m_handle = ESYS_TR_NONE;
  }
  LoadedPrimary& operator=(LoadedPrimary&&) = delete;
  LoadedPrimary(const LoadedPrimary&) = delete;
  LoadedPrimary& operator=(const LoadedPrimary&) = delete;
  ~LoadedPrimary() {
    if (m_handle != ESYS_TR_NONE) {
      (void)Esys_FlushContext(m_esys, m_handle);
    }
  }
  ESYS_TR handle() const { return m_handle; }
  const std::string& public_area() const { return m_public; }

 private:
  LoadedPrimary(ESYS_CONTEXT* esys, ESYS_TR handle) : m_esys(esys), m_handle(handle) {}
  ESYS_CONTEXT* m_esys;
  ESYS_TR m_handle;
  std::string m_public;
};

// A transient handle (a loaded object or a session) flushed when it goes out of scope.
class ScopedHandle {
 public:
  ScopedHandle(ESYS_CONTEXT* esys, ESYS_TR handle) : m_esys(esys), m_handle(handle) {}
  ScopedHandle(ScopedHandle&& o) noexcept : m_esys(o.m_esys), m_handle(o.m_handle) {
    o.m_handle = ESYS_TR_NONE;
  }
  ScopedHandle& operator=(ScopedHandle&&) = delete;
  ScopedHandle(const ScopedHandle&) = delete;
  ScopedHandle& operator=(const ScopedHandle&) = delete;
  ~ScopedHandle() {
    if (m_handle != ESYS_TR_NONE) {
      (void)Esys_FlushContext(m_esys, m_handle);
    }
  }
  ESYS_TR handle() const { return m_handle; }

 private:
  ESYS_CONTEXT* m_esys;
  ESYS_TR m_handle;
};

inline Result<LoadedPrimary> create_ak(Session& session) {
  return LoadedPrimary::create(session, ESYS_TR_RH_OWNER, ak_template(),
                               "TPM2_CreatePrimary(owner, AK)");
}

}  // namespace ztp::esapi::detail
