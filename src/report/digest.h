#pragma once
// The identity of a document's content: "sha256:<64 hex>" over its canonical JSON
// (nlohmann::json serialisation: keys sorted, no whitespace), leaving out generatedAt
// (changes every cycle) and auditHead (it cites the audit record that holds this digest,
// so including it would be circular). Two cycles that found the same thing give the same
// digest: the agent uses it to tell a change from a heartbeat, the audit log to record it.

#include <string>

#include "common/result.h"
#include "report/document.h"

namespace ztp::report {

std::string canonical_content(const Document& doc);
// Fails only when OpenSSL cannot compute a hash (allocation failure).
Result<std::string> content_digest(const Document& doc);

}  // namespace ztp::report
