#pragma once
// The audit log's quoter (audit::AuditOptions::quote) on a real TPM: for each entry it
// connects through the given TCTI, creates the AK, quotes the selection with
// qualifyingData = the previous record's hash, flushes everything and disconnects. One
// connection per quote: a swtpm socket serves one client at a time, and a TPM reset
// between appends then costs nothing but that quote.

#include <string>
#include <string_view>

#include "audit/record.h"
#include "common/result.h"

namespace ztp::esapi {

// bad_input for a TCTI that does not name a TPM or a malformed selection; the TPM itself
// is reached only when the first quote is made.
Result<audit::BootQuoter> make_audit_quoter(std::string_view tcti, std::string_view pcrs);

}  // namespace ztp::esapi
