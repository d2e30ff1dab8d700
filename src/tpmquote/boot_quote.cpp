#include "tpmquote/boot_quote.h"

#include <algorithm>

namespace ztp::tpmquote {
namespace {

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

std::string_view view(const audit::Bytes32& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

Result<void> check_boot_quote(const AkPublic& ak, const PcrSelection& expected,
                              const audit::Record& record) {
  if (!record.boot) {
    return bad("the record carries no quote");
  }
  const audit::BootQuote& b = *record.boot;
  if (b.ak_name != ak.name) {
    return bad("quoted by another AK (" + audit::to_hex(b.ak_name) + ", expected " +
               audit::to_hex(ak.name) + ")");
  }
  if (b.pcrs != to_text(expected)) {
    return bad("the record names PCR selection '" + b.pcrs + "', configured is '" +
               to_text(expected) + "'");
  }
  if (auto ok = verify_quote_signature(ak, b.attest, b.signature); !ok) {
    return ok;
  }
  auto body = parse_quote_attest(b.attest);
  if (!body) {
    return tl::unexpected(body.error());
  }
  auto want = marshal_selection(expected);
  if (!want) {
    return tl::unexpected(want.error());
  }
  if (body->signed_selection != *want) {
    return bad("the signed PCR selection is not exactly " + to_text(expected) +
               " (repeated, reordered or other banks): its digest is not over those PCRs");
  }
  if (body->extra_data != view(record.prev)) {
    return bad(
        "the quote's extraData is not the previous record's hash: the quote belongs "
        "to another place in the chain");
  }
  if (body->pcr_digest != view(b.pcr_digest)) {
    return bad("the record's pcrDigest differs from the digest the TPM signed");
  }
  return {};
}

Result<audit::QuoteCheck> boot_quote_check(AkPublic ak, const PcrSelection& expected) {
  if (auto want = marshal_selection(expected); !want) {
    return tl::unexpected(want.error());
  }
  return audit::QuoteCheck([ak = std::move(ak), expected](const audit::Record& record) {
    return check_boot_quote(ak, expected, record);
  });
}

Result<audit::BootQuote> boot_quote_from(const PcrSelection& selection, std::string attest,
                                         std::string signature, const AkPublic& ak) {
  auto body = parse_quote_attest(attest);
  if (!body) {
    return tl::unexpected(body.error());
  }
  audit::BootQuote b;
  if (body->pcr_digest.size() != b.pcr_digest.size()) {
    return bad("the quote's pcrDigest is not a SHA-256 digest");
  }
  std::copy(body->pcr_digest.begin(), body->pcr_digest.end(), b.pcr_digest.begin());
  b.pcrs = to_text(selection);
  b.attest = std::move(attest);
  b.signature = std::move(signature);
  b.ak_name = ak.name;
  return b;
}

}  // namespace ztp::tpmquote
