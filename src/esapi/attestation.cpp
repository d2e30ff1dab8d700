#include "esapi/attestation.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "esapi/loaded_primary.h"

namespace ztp::esapi {

using detail::owned;
using detail::rc_text;

Result<std::string> attestation_key_public(Session& session) {
  auto ak = detail::create_ak(session);
  if (!ak) {
    return tl::unexpected(ak.error());
  }
  return ak->public_area();
}

Result<Quote> quote(Session& session, const tpmquote::PcrSelection& selection,
                    std::string_view qualifying) {
  return quote_raw(session, tpmquote::to_tpml(selection), qualifying);
}

Result<Quote> quote_raw(Session& session, const TPML_PCR_SELECTION& selection,
                        std::string_view qualifying) {
  TPM2B_DATA data{};
  if (qualifying.size() > sizeof data.buffer) {
    return fail(ErrorKind::bad_input, "qualifying data longer than a TPM2B_DATA");
  }
  data.size = static_cast<UINT16>(qualifying.size());
  std::memcpy(data.buffer, qualifying.data(), qualifying.size());
  auto ak = detail::create_ak(session);
  if (!ak) {
    return tl::unexpected(ak.error());
  }
  const TPMT_SIG_SCHEME scheme{TPM2_ALG_NULL, {}};  // the AK's own scheme (ECDSA-SHA256)
  TPM2B_ATTEST* attest = nullptr;
  TPMT_SIGNATURE* signature = nullptr;
  const TSS2_RC rc = Esys_Quote(session.context(), ak->handle(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                ESYS_TR_NONE, &data, &scheme, &selection, &attest, &signature);
  auto attest_owned = owned(attest);
  auto signature_owned = owned(signature);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TPM2_Quote", rc));
  }
  Quote q;
  q.attest.assign(reinterpret_cast<const char*>(attest->attestationData), attest->size);
  std::uint8_t buffer[sizeof(TPMT_SIGNATURE)];
  std::size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Marshal(signature, buffer, sizeof buffer, &offset) !=
      TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, "cannot marshal the quote signature");
  }
  q.signature.assign(reinterpret_cast<const char*>(buffer), offset);
  q.ak_public = ak->public_area();
  return q;
}

}  // namespace ztp::esapi
