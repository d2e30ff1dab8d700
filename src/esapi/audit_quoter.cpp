#include "esapi/audit_quoter.h"

#include "esapi/attestation.h"
#include "esapi/esapi_session.h"
#include "tpmquote/boot_quote.h"

namespace ztp::esapi {

Result<audit::BootQuoter> make_audit_quoter(std::string_view tcti, std::string_view pcrs) {
  auto config = validate_tcti_config(tcti);
  if (!config) {
    return tl::unexpected(config.error());
  }
  auto selection = tpmquote::parse_pcr_selection(pcrs);
  if (!selection) {
    return tl::unexpected(selection.error());
  }
  return audit::BootQuoter([config = *config, selection = *selection](
                               const audit::Bytes32& prev) -> Result<audit::BootQuote> {
    auto session = Session::open(config);
    if (!session) {
      return tl::unexpected(session.error());
    }
    const std::string_view qualifying(reinterpret_cast<const char*>(prev.data()), prev.size());
    auto q = quote(*session, selection, qualifying);
    if (!q) {
      return tl::unexpected(q.error());
    }
    auto ak = tpmquote::ak_from_public(q->ak_public);
    if (!ak) {
      return tl::unexpected(ak.error());
    }
    return tpmquote::boot_quote_from(selection, std::move(q->attest), std::move(q->signature), *ak);
  });
}

}  // namespace ztp::esapi
