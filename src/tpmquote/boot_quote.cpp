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

Result<void> check_boot_quote(const AkPublic& ak, const SignatureVerifier& verifier,
                              const std::string& expected_text, const std::string& expected_sel,
                              const audit::Record& record) {
  if (!record.boot) {
    return bad("the record carries no quote");
  }
  const audit::BootQuote& b = *record.boot;
  if (b.ak_name != ak.name) {
    // Names only, never the keys' names: an AK name identifies a TPM.
    return bad("quoted by another AK than the one in the AK file");
  }
  if (b.pcrs != expected_text) {
    return bad("the record names PCR selection '" + b.pcrs + "', configured is '" + expected_text +
               "'");
  }
  if (auto ok = verifier.verify(b.attest, b.signature); !ok) {
    return ok;
  }
  auto body = parse_quote_attest(b.attest);
  if (!body) {
    return tl::unexpected(body.error());
  }
  if (body->signed_selection != expected_sel) {
    return bad("the signed PCR selection is not exactly " + expected_text +
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

Result<void> check_boot_quote(const AkPublic& ak, const PcrSelection& expected,
                              const audit::Record& record) {
  auto verifier = SignatureVerifier::create(ak);
  if (!verifier) {
    return tl::unexpected(verifier.error());
  }
  auto want = marshal_selection(expected);
  if (!want) {
    return tl::unexpected(want.error());
  }
  return check_boot_quote(ak, *verifier, to_text(expected), *want, record);
}

Result<audit::QuoteCheck> boot_quote_check(AkPublic ak, const PcrSelection& expected) {
  auto want = marshal_selection(expected);
  if (!want) {
    return tl::unexpected(want.error());
  }
  auto verifier = SignatureVerifier::create(ak);
  if (!verifier) {
    return tl::unexpected(verifier.error());
  }
  return audit::QuoteCheck([ak = std::move(ak), verifier = std::move(*verifier),
                            text = to_text(expected),
                            sel = std::move(*want)](const audit::Record& record) {
    return check_boot_quote(ak, verifier, text, sel, record);
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
