#pragma once
// A probe's status document as the fleet sees it: checked against the properties the
// fleet relies on (schema/envelope.v1, ccstatus.v1, tpmstatus.v1) and reduced to the few
// fields it counts by. Parsers take bytes; nothing here touches files or sockets.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/rfc3339.h"

namespace ztp::fleet {

// The documents of a node: the two probes', and the attestation verifier's verdict
// (fleet/attest_document.h), which rides on the same slots and sources.
enum class Probe { cc, tpm, attest };
std::string_view to_string(Probe probe);  // "cc", "tpm", "attest"

// Issue 5: "a document that ... exceeds 64 KiB is kept out of the counts".
inline constexpr std::size_t k_max_document_bytes = 64 * 1024;
// A real document nests 3 levels (envelope -> readiness -> missing); deeper input is hostile.
inline constexpr int k_max_json_depth = 8;

using TimePoint = std::chrono::system_clock::time_point;

struct StatusDocument {
  Probe probe = Probe::cc;
  std::string node;
  TimePoint generated_at;
  std::string wave;
  int mode = -1;                   // CC: index into k_modes
  std::uint8_t capabilities = 0;   // CC: bit i set = k_capabilities[i] listed
  int family = -1;                 // TPM: index into k_families
  int readiness = -1;              // TPM: index into k_readiness
  std::uint8_t missing_parts = 0;  // TPM: bit i set = k_missing_parts[i] listed
  // TPM: bootState (envelope.v1) when the agent audits: whether its records are quoted
  // and the audit seq where the quoted boot digest last changed. Never a digest.
  bool has_boot_state = false;
  bool boot_quoted = false;
  std::optional<std::uint64_t> boot_changed_at;
  // Attest (attest.v1): the verifier's verdict; generated_at is its "when".
  bool attested = false;
  std::string attest_group;
  int attest_reason = -1;  // index into k_attest_reasons when refused
  std::string compact;     // the document, re-serialised compactly, for the detail view
};

// Validates bytes as a document of `expected` written for `expected_node`. The error
// message is one line naming the field and the rule; it never quotes the document's values
// (a node could plant anything there).
Result<StatusDocument> parse_status_document(std::string_view bytes, Probe expected,
                                             std::string_view expected_node);

// "2026-11-27T19:08:49Z" exactly (envelope.v1 generatedAt: RFC 3339 UTC, second precision).
using ztp::format_rfc3339;
using ztp::parse_rfc3339;

// "<node>.cc.json" / "<node>.tpm.json" / "<node>.attest.json", the --publish dir: contract.
struct DocumentFileName {
  std::string node;
  Probe probe = Probe::cc;
};
std::optional<DocumentFileName> parse_document_file_name(std::string_view file_name);
std::string document_file_name(std::string_view node, Probe probe);

}  // namespace ztp::fleet
