#include "audit/record.h"

#include <ctime>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "common/k8s_names.h"
#include "report/document.h"

namespace ztp::audit {
namespace {

using nlohmann::json;

// Longest legal line: a node name of 253 characters plus fixed fields stays far below.
// A quote's TPMS_ATTEST is about 145 bytes and an ECDSA P-256 signature 72 (research note
// attest.md section 5.1); base64 of either stays far below this.
constexpr std::size_t k_max_quote_text = 1024;
constexpr std::string_view k_hash_prefix = "sha256:";
constexpr std::string_view k_seal_prefix = "hmac-sha256:";

bool is_token(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) {
    return false;
  }
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) {
    return false;
  }
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::optional<Bytes32> parse_prefixed(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  return from_hex(text.substr(prefix.size()));
}

json body_json(const Record& r) {
  json j;
  j["v"] = r.version;
  j["type"] = to_string(r.type);
  j["seq"] = r.seq;
  j["epoch"] = r.epoch;
  j["time"] = report::format_rfc3339(r.time);
  j["log"] = r.log_id;
  j["prev"] = hash_text(r.prev);
  switch (r.type) {
    case RecordType::open:
      j["start"] = report::format_rfc3339(r.start);
      j["epochSeconds"] = r.epoch_seconds;
      break;
    case RecordType::entry:
      j["probe"] = r.entry.probe;
      j["node"] = r.entry.node;
      j["wave"] = r.entry.wave;
      j["generatedAt"] = report::format_rfc3339(r.entry.generated_at);
      j["digest"] = r.entry.digest;
      j["classification"] = r.entry.classification;
      if (r.entry.readiness) {
        j["readiness"] = *r.entry.readiness;
      }
      j["reason"] = to_string(r.entry.reason);
      if (r.missed > 0) {
        j["missed"] = r.missed;
      }
      if (r.boot) {
        j["boot"] = {{"pcrs", r.boot->pcrs},
                     {"pcrDigest", hash_text(r.boot->pcr_digest)},
                     {"attest", to_base64(r.boot->attest)},
                     {"signature", to_base64(r.boot->signature)},
                     {"akName", to_hex(r.boot->ak_name)}};
      }
      break;
    case RecordType::close:
      j["next"] = r.next_epoch;
      break;
  }
  return j;
}

std::string dump(const json& j) {
  // replace: never throws; a line with invalid UTF-8 then simply is not canonical.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

// Field readers that never throw: the line is outside input.
std::optional<std::string_view> str(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return std::string_view(it->get_ref<const std::string&>());
}

std::optional<std::uint64_t> u64(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) {
    return std::nullopt;
  }
  return it->get<std::uint64_t>();
}

std::optional<std::chrono::system_clock::time_point> time_field(const json& j, const char* key) {
  const auto s = str(j, key);
  return s ? parse_rfc3339(*s) : std::nullopt;
}

bool only_keys(const json& j, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : j.items()) {
    bool found = false;
    for (const auto a : allowed) {
      found = found || key == a;
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

// The boot member of an entry: five strings of fixed shape (see BootQuote).
Result<BootQuote> parse_boot(const json& j) {
  if (!j.is_object() || !only_keys(j, {"pcrs", "pcrDigest", "attest", "signature", "akName"}) ||
      j.size() != 5) {
    return bad("entry record: boot must hold exactly pcrs, pcrDigest, attest, signature, akName");
  }
  const auto pcrs = str(j, "pcrs");
  const auto digest = str(j, "pcrDigest");
  const auto attest = str(j, "attest");
  const auto signature = str(j, "signature");
  const auto name = str(j, "akName");
  if (!pcrs || !digest || !attest || !signature || !name) {
    return bad("entry record: every boot member must be a string");
  }
  BootQuote b;
  const bool pcrs_ok =
      !pcrs->empty() && pcrs->size() <= 128 &&
      pcrs->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789:,+-") == std::string_view::npos;
  const auto d = parse_hash_text(*digest);
  const auto a = attest->size() <= k_max_quote_text ? from_base64(*attest) : std::nullopt;
  const auto sig = signature->size() <= k_max_quote_text ? from_base64(*signature) : std::nullopt;
  const auto n = name->size() == 68 ? bytes_from_hex(*name) : std::nullopt;
  if (!pcrs_ok || !d || !a || !sig || !n || a->empty() || sig->empty()) {
    return bad(
        "entry record: boot needs pcrs (a selection), pcrDigest (sha256:<hex>), attest and "
        "signature (base64), akName (68 hex digits)");
  }
  b.pcrs = std::string(*pcrs);
  b.pcr_digest = *d;
  b.attest = std::move(*a);
  b.signature = std::move(*sig);
  b.ak_name = std::move(*n);
  return b;
}

}  // namespace

std::string_view to_string(RecordType t) {
  switch (t) {
    case RecordType::open:
      return "open";
    case RecordType::entry:
      return "entry";
    case RecordType::close:
      return "close";
  }
  return "entry";
}

std::string_view to_string(Reason r) {
  switch (r) {
    case Reason::start:
      return "start";
    case Reason::change:
      return "change";
    case Reason::heartbeat:
      return "heartbeat";
  }
  return "heartbeat";
}

std::optional<Reason> parse_reason(std::string_view s) {
  for (const Reason r : {Reason::start, Reason::change, Reason::heartbeat}) {
    if (s == to_string(r)) {
      return r;
    }
  }
  return std::nullopt;
}

Result<void> check_entry(const AuditEntry& e) {
  if (!is_token(e.probe, 63)) {
    return bad("audit entry: probe name must be 1-63 characters of [A-Za-z0-9._-]");
  }
  if (!is_node_name(e.node)) {
    return bad("audit entry: node must be a Kubernetes node name (RFC 1123, <= 253)");
  }
  if (!is_token(e.wave, 63)) {
    return bad("audit entry: wave must be 1-63 characters of [A-Za-z0-9._-]");
  }
  if (!parse_prefixed(e.digest, k_hash_prefix)) {
    return bad("audit entry: digest must be sha256:<64 lower-case hex digits>");
  }
  if (!is_token(e.classification, 63)) {
    return bad("audit entry: classification must be 1-63 characters of [A-Za-z0-9._-]");
  }
  if (e.readiness && !is_token(*e.readiness, 63)) {
    return bad("audit entry: readiness must be 1-63 characters of [A-Za-z0-9._-]");
  }
  return {};
}

std::string canonical_body(const Record& record) { return dump(body_json(record)); }

Result<Bytes32> compute_hash(const Record& record) { return sha256(canonical_body(record)); }

Result<Bytes32> compute_hash_of_line(std::string_view line, const Record& record) {
  const std::string hash_member = "\"hash\":\"" + hash_text(record.hash) + "\",";
  const std::string seal_member =
      "\"seal\":\"" + std::string(k_seal_prefix) + to_hex(record.seal) + "\",";
  const auto h = line.find(hash_member);
  const auto s = line.find(seal_member);
  if (h == std::string_view::npos || s == std::string_view::npos || s < h) {
    return compute_hash(record);  // not a line parse_record() accepted: the slow way
  }
  std::string body;
  body.reserve(line.size());
  body.append(line.substr(0, h));
  body.append(line.substr(h + hash_member.size(), s - h - hash_member.size()));
  body.append(line.substr(s + seal_member.size()));
  return sha256(body);
}

std::string to_line(const Record& record) {
  json j = body_json(record);
  j["hash"] = hash_text(record.hash);
  j["seal"] = std::string(k_seal_prefix) + to_hex(record.seal);
  return dump(j);
}

std::string hash_text(const Bytes32& hash) { return std::string(k_hash_prefix) + to_hex(hash); }

std::optional<Bytes32> parse_hash_text(std::string_view text) {
  return parse_prefixed(text, k_hash_prefix);
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  const auto point = ztp::parse_rfc3339(text);
  // Records are from now on; only a round trip proves the text canonical (no :60).
  if (!point || point->time_since_epoch().count() < 0 || format_rfc3339(*point) != text) {
    return std::nullopt;
  }
  return point;
}

namespace {

// The members every record type has (record.h "Common members").
Result<void> parse_common(const json& j, Record& r) {
  const auto version = u64(j, "v");
  if (!version || *version != static_cast<std::uint64_t>(k_format_version)) {
    return bad("unknown format version");
  }
  const auto seq = u64(j, "seq");
  const auto epoch = u64(j, "epoch");
  const auto time = time_field(j, "time");
  const auto log = str(j, "log");
  const auto prev = str(j, "prev");
  const auto hash = str(j, "hash");
  const auto seal = str(j, "seal");
  if (!str(j, "type") || !seq || !epoch || !time || !log || !prev || !hash || !seal) {
    return bad(
        "a common member (type, seq, epoch, time, log, prev, hash, seal) is missing or "
        "has the wrong type");
  }
  r.seq = *seq;
  r.epoch = *epoch;
  r.time = *time;
  if (!is_hex(*log, 32)) {
    return bad("log id must be 32 hex digits");
  }
  r.log_id = std::string(*log);
  const auto prev_hash = parse_hash_text(*prev);
  const auto own_hash = parse_hash_text(*hash);
  const auto own_seal = parse_prefixed(*seal, k_seal_prefix);
  if (!prev_hash || !own_hash || !own_seal) {
    return bad("prev, hash or seal is not of the form sha256:/hmac-sha256:<64 hex digits>");
  }
  r.prev = *prev_hash;
  r.hash = *own_hash;
  r.seal = *own_seal;
  return {};
}

Result<void> parse_open(const json& j, Record& r) {
  r.type = RecordType::open;
  const auto start = time_field(j, "start");
  const auto seconds = u64(j, "epochSeconds");
  if (!only_keys(j, {"v", "type", "seq", "epoch", "time", "log", "prev", "hash", "seal", "start",
                     "epochSeconds"}) ||
      !start || !seconds || *seconds == 0) {
    return bad("open record: members must be start and epochSeconds (> 0)");
  }
  r.start = *start;
  r.epoch_seconds = *seconds;
  return {};
}

// An entry's optional members: readiness, missed, boot.
Result<void> parse_entry_options(const json& j, Record& r) {
  if (j.contains("readiness")) {
    const auto readiness = str(j, "readiness");
    if (!readiness) {
      return bad("entry record: readiness must be a string");
    }
    r.entry.readiness = std::string(*readiness);
  }
  if (j.contains("missed")) {
    const auto missed = u64(j, "missed");
    if (!missed || *missed == 0) {
      return bad("entry record: missed must be a positive integer when present");
    }
    r.missed = *missed;
  }
  if (const auto boot = j.find("boot"); boot != j.end()) {
    auto parsed = parse_boot(*boot);
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    r.boot = std::move(*parsed);
  }
  return {};
}

Result<void> parse_entry(const json& j, Record& r) {
  r.type = RecordType::entry;
  if (!only_keys(j, {"v", "type", "seq", "epoch", "time", "log", "prev", "hash", "seal", "probe",
                     "node", "wave", "generatedAt", "digest", "classification", "readiness",
                     "reason", "missed", "boot"})) {
    return bad("entry record: unknown member");
  }
  const auto probe = str(j, "probe");
  const auto node = str(j, "node");
  const auto wave = str(j, "wave");
  const auto generated = time_field(j, "generatedAt");
  const auto digest = str(j, "digest");
  const auto classification = str(j, "classification");
  const auto reason = str(j, "reason");
  if (!probe || !node || !wave || !generated || !digest || !classification || !reason) {
    return bad("entry record: a member is missing or has the wrong type");
  }
  r.entry.probe = std::string(*probe);
  r.entry.node = std::string(*node);
  r.entry.wave = std::string(*wave);
  r.entry.generated_at = *generated;
  r.entry.digest = std::string(*digest);
  r.entry.classification = std::string(*classification);
  const auto parsed_reason = parse_reason(*reason);
  if (!parsed_reason) {
    return bad("entry record: reason must be start, change or heartbeat");
  }
  r.entry.reason = *parsed_reason;
  if (auto ok = parse_entry_options(j, r); !ok) {
    return ok;
  }
  return check_entry(r.entry);
}

Result<void> parse_close(const json& j, Record& r) {
  r.type = RecordType::close;
  const auto next = u64(j, "next");
  if (!only_keys(j, {"v", "type", "seq", "epoch", "time", "log", "prev", "hash", "seal", "next"}) ||
      !next) {
    return bad("close record: the only extra member must be next");
  }
  r.next_epoch = *next;
  return {};
}

}  // namespace

Result<Record> parse_record(std::string_view line) {
  if (line.size() > k_max_line_bytes) {
    return bad("a line longer than " + std::to_string(k_max_line_bytes) +
               " bytes: no record is that long");
  }
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad("not a JSON object");
  }
  if (dump(j) != line) {
    return bad("not in canonical form (keys sorted, no whitespace)");
  }
  Record r;
  if (auto ok = parse_common(j, r); !ok) {
    return tl::unexpected(ok.error());
  }
  const std::string_view type = *str(j, "type");
  Result<void> body = bad("unknown record type");
  if (type == "open") {
    body = parse_open(j, r);
  } else if (type == "entry") {
    body = parse_entry(j, r);
  } else if (type == "close") {
    body = parse_close(j, r);
  }
  if (!body) {
    return tl::unexpected(body.error());
  }
  return r;
}

}  // namespace ztp::audit
