#pragma once
// An audit record's quote (audit::BootQuote) checked against the operator's AK and the
// configured PCR selection, off the node (`ztp-prem-audit verify --ak`), in this order:
// the record names this AK; it names the configured selection; the signature verifies
// with the AK over the attest bytes; magic and type are a TPM-made quote; the SIGNED
// selection equals the configured one byte for byte (no repeated or reordered banks:
// research note attest.md section 0.1); extraData is the previous record's hash; the
// record's pcrDigest is the signed one.

#include <string>

#include "audit/record.h"
#include "audit/verify.h"
#include "common/result.h"
#include "tpmquote/pcr_selection.h"
#include "tpmquote/quote_verify.h"

namespace ztp::tpmquote {

Result<void> check_boot_quote(const AkPublic& ak, const PcrSelection& expected,
                              const audit::Record& record);
Result<void> check_boot_quote(const AkPublic& ak, const SignatureVerifier& verifier,
                              const std::string& expected_text, const std::string& expected_sel,
                              const audit::Record& record);

// The same as an audit::QuoteCheck for verify_log (copies ak and expected).
Result<audit::QuoteCheck> boot_quote_check(AkPublic ak, const PcrSelection& expected);

// From the TPM's own answer, the record member the agent appends: the quote's digest
// read back from attest (which must be a quote over `selection` bound to prev).
Result<audit::BootQuote> boot_quote_from(const PcrSelection& selection, std::string attest,
                                         std::string signature, const AkPublic& ak);

}  // namespace ztp::tpmquote
