#pragma once
// One audit record: its fields, its canonical JSON line and the strict reader.
// A line is the record's JSON object serialised by nlohmann::json (keys sorted,
// no whitespace); the record hash is SHA-256 of that same serialisation without
// the "hash" and "seal" members, so any byte changed in a line changes either
// the hash, the seal or the canonical form.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "audit/crypto.h"
#include "common/result.h"

namespace ztp::audit {

inline constexpr int k_format_version = 1;
// No canonical record line is longer: parse_record refuses it, readers cut it there.
inline constexpr std::size_t k_max_line_bytes = 4096;

enum class RecordType {
  open,   // genesis: seq 0, epoch 0, carries the log's parameters
  entry,  // one probe result
  close,  // the last record of an epoch, sealed with that epoch's key; names the next epoch
};
std::string_view to_string(RecordType t);

enum class Reason { start, change, heartbeat };
std::string_view to_string(Reason r);
std::optional<Reason> parse_reason(std::string_view s);

// What the agent appends: a probe result by reference, never its content. The digest
// identifies the document (report::content_digest); no signals, evidence or identifiers
// beyond the node name go in.
struct AuditEntry {
  std::string probe;                                   // "ztp-prem-detect"
  std::string node;                                    // Kubernetes node name
  std::string wave;                                    // rollout anchor
  std::chrono::system_clock::time_point generated_at;  // the document's generatedAt
  std::string digest;                                  // "sha256:<64 hex>"
  std::string classification;                          // CC mode or TPM family
  std::optional<std::string> readiness;
  Reason reason = Reason::heartbeat;
};

// Validates field formats (names, digest form, lengths); bad_input names the field.
Result<void> check_entry(const AuditEntry& entry);

// A TPM2_Quote bound to the chain (issue 13): made when the record was appended, by the
// node's attestation key, over the PCR selection `pcrs`, with qualifyingData = the
// previous record's hash. attest and signature are the TPMS_ATTEST and TPMT_SIGNATURE
// bytes as the TPM returned them; pcrDigest is the quote's own digest over the selected
// PCRs. No PCR value is ever stored. Checked off the node by `ztp-prem-audit verify --ak`.
struct BootQuote {
  std::string pcrs;  // canonical selection text, e.g. "sha256:0-7"
  Bytes32 pcr_digest{};
  std::string attest;     // raw bytes
  std::string signature;  // raw bytes
  std::string ak_name;    // raw bytes: nameAlg || H(public area)
};

// Makes the quote for a record whose previous record has hash prev.
using BootQuoter = std::function<Result<BootQuote>(const Bytes32& prev)>;

struct Record {
  int version = k_format_version;
  RecordType type = RecordType::entry;
  std::uint64_t seq = 0;
  std::uint64_t epoch = 0;
  std::chrono::system_clock::time_point time;  // when the node sealed it (second precision)
  std::string log_id;                          // 32 hex digits, random per log
  Bytes32 prev{};                              // hash of the record before; zeros for seq 0
  // open
  std::chrono::system_clock::time_point start;
  std::uint64_t epoch_seconds = 0;
  // entry
  AuditEntry entry;
  std::uint64_t missed = 0;       // entries that could not be appended since the previous one
  std::optional<BootQuote> boot;  // with quoting on (--quote-pcrs), when the quote succeeded
  // close
  std::uint64_t next_epoch = 0;
  // computed
  Bytes32 hash{};
  Bytes32 seal{};
};

// The hashed part: canonical JSON of every member except "hash" and "seal".
std::string canonical_body(const Record& record);
Result<Bytes32> compute_hash(const Record& record);
// The full line (without the newline); hash and seal must be filled in.
std::string to_line(const Record& record);

// Strict reader: the line must be exactly the canonical serialisation of a known record
// shape. The stored hash is returned as read, not checked; the caller compares it with
// compute_hash(). bad_input says what is wrong.
Result<Record> parse_record(std::string_view line);

// compute_hash() for a record just read by parse_record() from line, without
// re-serialising it: a canonical line minus its "hash" and "seal" members is exactly the
// hashed body (both are followed by another member, so each is removed with its comma).
Result<Bytes32> compute_hash_of_line(std::string_view line, const Record& record);

// "sha256:<hex>" and "hmac-sha256:<hex>" as they appear in lines and heads.
std::string hash_text(const Bytes32& hash);
std::optional<Bytes32> parse_hash_text(std::string_view text);

// RFC 3339 UTC, second precision, exactly as ztp::format_rfc3339 writes it (canonical:
// ztp::parse_rfc3339 plus a round trip, and not before 1970).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace ztp::audit
