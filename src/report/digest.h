#pragma once
// Content digest of a document: SHA-256 over its canonical JSON without
// generatedAt, so two runs that found the same things have the same digest.
// The agent's change detection and the audit log both key on it.

#include <string>
#include <string_view>

#include "report/document.h"

namespace ztp::report {

// Lower-case hex SHA-256 of bytes (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

// The bytes content_digest hashes: compact JSON, document order, no generatedAt.
std::string canonical_content(const Document& doc);

// sha256_hex(canonical_content(doc)).
std::string content_digest(const Document& doc);

}  // namespace ztp::report
