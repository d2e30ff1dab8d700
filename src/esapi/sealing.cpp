#include "esapi/sealing.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include <cstring>

#include "esapi/loaded_primary.h"

namespace ztp::esapi {
namespace {

using detail::owned;
using detail::rc_text;
using detail::ScopedHandle;

// TPMS_TIME_INFO marshals time (UINT64) first, then clockInfo.clock (UINT64): the operand
// offset PolicyCounterTimer compares at (TPM 2.0 Part 2 sections 10.11.1 and 10.11.6).
constexpr UINT16 k_clock_offset = 8;

// The ECC storage primary of the TCG Provisioning Guidance (section 7.5.1, "SRK template"):
// restricted decrypt P-256 with AES-128-CFB, noDA, unique empty.
TPM2B_PUBLIC srk_template() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  TPMS_ECC_PARMS& ecc = p.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_AES;
  ecc.symmetric.keyBits.aes = 128;
  ecc.symmetric.mode.aes = TPM2_ALG_CFB;
  ecc.scheme.scheme = TPM2_ALG_NULL;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

Result<detail::LoadedPrimary> create_srk(Session& session) {
  return detail::LoadedPrimary::create(session, ESYS_TR_RH_OWNER, srk_template(),
                                       "TPM2_CreatePrimary(owner, SRK)");
}

// A data object only a policy session can use (no userWithAuth; adminWithPolicy).
TPM2B_PUBLIC sealed_template(const TPM2B_DIGEST& policy) {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_KEYEDHASH;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA |
                       TPMA_OBJECT_ADMINWITHPOLICY;
  p.authPolicy = policy;
  p.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  return t;
}

Result<ScopedHandle> start_session(ESYS_CONTEXT* esys, TPM2_SE type) {
  const TPMT_SYM_DEF symmetric{TPM2_ALG_NULL, {}, {}};
  ESYS_TR handle = ESYS_TR_NONE;
  const TSS2_RC rc =
      Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                            ESYS_TR_NONE, nullptr, type, &symmetric, TPM2_ALG_SHA256, &handle);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_StartAuthSession", rc));
  }
  return ScopedHandle(esys, handle);
}

TPM2B_OPERAND clock_operand(std::uint64_t clock) {
  TPM2B_OPERAND operand{};
  operand.size = 8;
  for (int i = 0; i < 8; ++i) {  // big-endian, as TPMS_TIME_INFO marshals it
    operand.buffer[i] = static_cast<BYTE>(clock >> (56 - 8 * i));
  }
  return operand;
}

bool tpm_layer(TSS2_RC rc) { return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER; }
// Format-one response code number, with the handle/session/parameter bits masked out
// (TPM 2.0 Part 2 section 6.6.3).
bool fmt1_is(TSS2_RC rc, TSS2_RC code) {
  return tpm_layer(rc) && (rc & TPM2_RC_FMT1) != 0 && (rc & 0xbfu) == code;
}

template <class T, class F>
Result<T> unmarshal(std::string_view bytes, F fn, std::string_view what) {
  T value{};
  std::size_t offset = 0;
  if (fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), &offset, &value) !=
          TSS2_RC_SUCCESS ||
      offset != bytes.size()) {
    return fail(ErrorKind::bad_input, "the sealed " + std::string(what) + " is malformed");
  }
  return value;
}

template <class T, class F>
Result<std::string> marshal(const T& value, F fn) {
  std::uint8_t buffer[sizeof(T)];
  std::size_t offset = 0;
  if (fn(&value, buffer, sizeof buffer, &offset) != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, "cannot marshal the sealed object");
  }
  return std::string(reinterpret_cast<const char*>(buffer), offset);
}

// PolicyPCR(selection, current values) then PolicyCounterTimer(clock < expires) in
// session; TPM_RC_POLICY from the latter means the clock passed (Part 3 section 23.10).
Result<UnsealRefusal> run_policy(ESYS_CONTEXT* esys, ESYS_TR session,
                                 const TPML_PCR_SELECTION& pcrs, std::uint64_t expires) {
  const TPM2B_DIGEST current{};  // empty: the TPM uses the current PCR values
  TSS2_RC rc =
      Esys_PolicyPCR(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &current, &pcrs);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_PolicyPCR", rc));
  }
  const TPM2B_OPERAND operand = clock_operand(expires);
  rc = Esys_PolicyCounterTimer(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &operand,
                               k_clock_offset, TPM2_EO_UNSIGNED_LT);
  if (tpm_layer(rc) && (rc & 0xfffu) == TPM2_RC_POLICY) {
    return UnsealRefusal::expired;
  }
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_PolicyCounterTimer", rc));
  }
  return UnsealRefusal::none;
}

}  // namespace

Result<std::uint64_t> tpm_clock(Session& session) {
  TPMS_TIME_INFO* info = nullptr;
  const TSS2_RC rc =
      Esys_ReadClock(session.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &info);
  auto guard = owned(info);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_ReadClock", rc));
  }
  return static_cast<std::uint64_t>(info->clockInfo.clock);
}

namespace {

// The policy digest of PolicyPCR + PolicyCounterTimer, computed by the TPM in a trial
// session (TPM2_SE_TRIAL), so this code never re-implements the policy hashing.
Result<TPM2B_DIGEST> trial_policy_digest(ESYS_CONTEXT* esys, const TPML_PCR_SELECTION& pcrs,
                                         std::uint64_t expires_clock) {
  ZTP_TRY(trial, start_session(esys, TPM2_SE_TRIAL));
  ZTP_TRY(ran, run_policy(esys, trial->handle(), pcrs, expires_clock));
  TPM2B_DIGEST* digest = nullptr;
  const TSS2_RC rc = Esys_PolicyGetDigest(esys, trial->handle(), ESYS_TR_NONE, ESYS_TR_NONE,
                                          ESYS_TR_NONE, &digest);
  auto digest_owned = owned(digest);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_PolicyGetDigest", rc));
  }
  return *digest;
}

struct CreatedObject {
  std::string public_area;
  std::string private_area;
};

// TPM2_Create of a keyedHash object holding data under the SRK, with policy as its only
// authorisation; the plaintext copy is wiped whatever the outcome.
Result<CreatedObject> create_sealed_object(Session& session, std::string_view data,
                                           const TPM2B_DIGEST& policy) {
  ZTP_TRY(srk, create_srk(session));
  TPM2B_SENSITIVE_CREATE sensitive{};
  sensitive.sensitive.data.size = static_cast<UINT16>(data.size());
  std::memcpy(sensitive.sensitive.data.buffer, data.data(), data.size());
  const TPM2B_PUBLIC in_public = sealed_template(policy);
  const TPM2B_DATA outside{};
  const TPML_PCR_SELECTION creation_pcrs{};
  TPM2B_PRIVATE* out_private = nullptr;
  TPM2B_PUBLIC* out_public = nullptr;
  TPM2B_CREATION_DATA* creation_data = nullptr;
  TPM2B_DIGEST* creation_hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  const TSS2_RC rc =
      Esys_Create(session.context(), srk->handle(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                  &sensitive, &in_public, &outside, &creation_pcrs, &out_private, &out_public,
                  &creation_data, &creation_hash, &ticket);
  ::explicit_bzero(&sensitive, sizeof sensitive);
  auto priv = owned(out_private);
  auto pub = owned(out_public);
  owned(creation_data);
  owned(creation_hash);
  owned(ticket);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_Create(sealed object)", rc));
  }
  ZTP_TRY(pub_bytes, marshal(*pub, Tss2_MU_TPM2B_PUBLIC_Marshal));
  ZTP_TRY(priv_bytes, marshal(*priv, Tss2_MU_TPM2B_PRIVATE_Marshal));
  return CreatedObject{std::move(*pub_bytes), std::move(*priv_bytes)};
}

}  // namespace

Result<SealedObject> seal(Session& session, std::string_view data,
                          const tpmquote::PcrSelection& selection, std::uint64_t expires_clock) {
  if (data.empty() || data.size() > k_max_sealed_bytes) {
    return fail(ErrorKind::bad_input, "sealed data must be 1 to 128 bytes");
  }
  const TPML_PCR_SELECTION pcrs = tpmquote::to_tpml(selection);
  ZTP_TRY(policy, trial_policy_digest(session.context(), pcrs, expires_clock));
  ZTP_TRY(created, create_sealed_object(session, data, *policy));
  return SealedObject{std::move(created->public_area), std::move(created->private_area),
                      std::string(reinterpret_cast<const char*>(policy->buffer), policy->size),
                      expires_clock};
}

Result<Unsealed> unseal(Session& session, const SealedObject& object,
                        const tpmquote::PcrSelection& selection) {
  auto pub =
      unmarshal<TPM2B_PUBLIC>(object.public_area, Tss2_MU_TPM2B_PUBLIC_Unmarshal, "public area");
  auto priv = unmarshal<TPM2B_PRIVATE>(object.private_area, Tss2_MU_TPM2B_PRIVATE_Unmarshal,
                                       "private area");
  if (!pub || !priv) {
    return tl::unexpected(!pub ? pub.error() : priv.error());
  }
  ESYS_CONTEXT* esys = session.context();
  auto srk = create_srk(session);
  if (!srk) {
    return tl::unexpected(srk.error());
  }
  ESYS_TR loaded = ESYS_TR_NONE;
  TSS2_RC rc = Esys_Load(esys, srk->handle(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &*priv,
                         &*pub, &loaded);
  if (tpm_layer(rc) && rc != TSS2_RC_SUCCESS) {
    return Unsealed{UnsealRefusal::not_this_tpm, {}};  // integrity or wrong parent (Part 3 12.2)
  }
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_Load(sealed object)", rc));
  }
  const ScopedHandle item(esys, loaded);
  auto policy = start_session(esys, TPM2_SE_POLICY);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  auto ran = run_policy(esys, policy->handle(), tpmquote::to_tpml(selection), object.expires_clock);
  if (!ran || *ran != UnsealRefusal::none) {
    return ran ? Result<Unsealed>(Unsealed{*ran, {}}) : tl::unexpected(ran.error());
  }
  TPM2B_SENSITIVE_DATA* out = nullptr;
  rc = Esys_Unseal(esys, item.handle(), policy->handle(), ESYS_TR_NONE, ESYS_TR_NONE, &out);
  auto out_owned = owned(out);
  if (fmt1_is(rc, TPM2_RC_POLICY_FAIL) || (tpm_layer(rc) && (rc & 0xfffu) == TPM2_RC_PCR_CHANGED)) {
    return Unsealed{UnsealRefusal::boot_state_changed, {}};
  }
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_Unseal", rc));
  }
  Unsealed result{UnsealRefusal::none,
                  std::string(reinterpret_cast<const char*>(out->buffer), out->size)};
  ::explicit_bzero(out->buffer, out->size);
  return result;
}

}  // namespace ztp::esapi
