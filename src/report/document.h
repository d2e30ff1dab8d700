#pragma once
// The status document both probes emit: a shared envelope around a
// probe-specific body. Knows the wire form; knows nothing of detectors or sinks.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/findings.h"
#include "common/rfc3339.h"
#include "vocabulary/vocabulary.gen.h"

namespace ztp::report {

inline constexpr std::string_view k_api_version = "ztp-prem.tlsstress.art/v1";

// advisory today; enforcing is the later release's configuration flip (envelope.v1
// "enforcement", generated: docs/vocabulary.md).
using Enforcement = vocab::EnforcementMode;
using vocab::to_string;

struct ProbeIdentity {
  std::string name;     // "ztp-prem-detect"
  std::string version;  // ZTP_VERSION
};

// The node's audit chain head when the document was published (src/audit/): a copy
// kept off the node, so truncating or rewriting the node's log shows when compared.
struct AuditHeadRef {
  std::uint64_t seq = 0;
  std::string hash;      // "sha256:<64 hex>"
  bool stalled = false;  // appending to the log currently fails; seq/hash is the last durable
};

// Boot state from the TPM agent's quoted audit log (src/audit/boot_state.h): whether the
// last record is quoted and where the quoted PCR digest last changed. Never the digest
// itself (PCR1 holds SMBIOS data: a digest over PCR0..7 can identify one machine).
struct BootStateRef {
  bool quoted = false;
  std::optional<std::uint64_t> changed_at;  // audit seq of the last change; none: never changed
  std::optional<std::chrono::system_clock::time_point> since;  // the current digest's first record
};

// Who and when: everything in a document that is not a finding.
struct Envelope {
  std::string kind;  // "CCStatus", "TPMStatus"
  std::string node;
  std::chrono::system_clock::time_point generated_at;
  std::string wave;
  ProbeIdentity probe;
  Enforcement enforcement = Enforcement::advisory;
  std::optional<AuditHeadRef> audit_head;  // absent when the probe runs without an audit log
  std::optional<BootStateRef> boot_state;  // TPM agent with an audit log only
};

struct Document {
  Envelope envelope;
  // Probe-specific fields in document order, e.g. {"mode": ..., "hostCapabilities": [...]}.
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  Findings findings;
};

// RFC 3339 UTC with second precision: "2026-11-27T19:08:49Z" (common/rfc3339.h).
using ztp::format_rfc3339;

nlohmann::ordered_json to_json(const Document& doc);
// Pretty JSON for people and files, ending in a newline.
std::string render_json(const Document& doc);
// A few aligned lines for people.
std::string render_text(const Document& doc);

}  // namespace ztp::report
