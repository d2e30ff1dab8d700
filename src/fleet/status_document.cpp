#include "fleet/status_document.h"

#include <algorithm>
#include <array>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/k8s_names.h"
#include "fleet/vocabulary.h"

namespace ztp::fleet {

namespace {

// ordered_json keeps the node's key order for the detail view.
using json = nlohmann::ordered_json;

// schema/envelope.v1.schema.json "apiVersion".
constexpr std::string_view k_api_version = "ztp-prem.tlsstress.art/v1";
// envelope.v1 "evidence" items: 1..512 characters.
constexpr std::size_t k_max_evidence_chars = 512;

// ccstatus.v1 "signals.required".
constexpr std::array<std::string_view, 10> k_cc_required_signals = {
    "cpuidAvailable",     "hypervisorPresent", "msrSevStatusReadable", "sevGuestPlatformDevice",
    "tdxGuestDeviceNode", "ccaPlatformDevice", "s390ProtVirtGuest",    "kvmAmdSev",
    "kvmIntelTdx",        "s390ProtVirtHost"};

// tpmstatus.v1 "signals.required".
constexpr std::array<std::string_view, 15> k_tpm_required_signals = {
    "tpmClassPresent",     "tpmChipPresent", "tpmrmSysfs",
    "versionMajorFile",    "tpm1Attributes", "virtualChip",
    "rawDeviceNode",       "rmDeviceNode",   "deviceNodeHidden",
    "familyContradiction", "eventLog",       "imaMeasurements",
    "acpiTpm2Table",       "acpiTcpaTable",  "firmwareWithoutDriver"};
// tpmstatus.v1 measuredBoot.firmwareTable.
constexpr std::array<std::string_view, 3> k_firmware_tables = {"TPM2", "TCPA", "none"};
// tpmstatus.v1 measuredBoot.pcrBanks: at most 16 names of ^[a-z0-9_-]{1,16}$.
constexpr std::size_t k_max_pcr_banks = 16;
constexpr std::size_t k_max_pcr_bank_chars = 16;

struct KindInfo {
  std::string_view kind;
  std::string_view probe_name;
};

KindInfo kind_info(Probe probe) {
  if (probe == Probe::cc) {
    return {"CCStatus", "ztp-prem-detect"};
  }
  return {"TPMStatus", "ztp-prem-tpm"};
}

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Deepest nesting of arrays/objects outside strings: checked before parsing so hostile
// input never reaches the recursive parts of the JSON library.
int max_depth(std::string_view bytes) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

bool is_signal_name(std::string_view name) {
  // envelope.v1 signals propertyNames ^[a-z][A-Za-z0-9]*$.
  if (name.empty() || name[0] < 'a' || name[0] > 'z') {
    return false;
  }
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))) {
      return false;
    }
  }
  return true;
}

// An array of distinct words from vocabulary, as a bit set.
template <std::size_t N>
Result<std::uint8_t> word_set(const json& value, const std::array<std::string_view, N>& words,
                              std::string_view field) {
  if (!value.is_array()) {
    return invalid(std::string(field) + ": not an array");
  }
  std::uint8_t bits = 0;
  for (const auto& item : value) {
    if (!item.is_string()) {
      return invalid(std::string(field) + ": item is not a string");
    }
    const auto index = index_of(words, item.get_ref<const std::string&>());
    if (!index) {
      return invalid(std::string(field) + ": item outside the vocabulary");
    }
    const auto bit = static_cast<std::uint8_t>(1U << static_cast<unsigned>(*index));
    if ((bits & bit) != 0) {
      return invalid(std::string(field) + ": duplicate item");
    }
    bits = static_cast<std::uint8_t>(bits | bit);
  }
  return bits;
}

template <std::size_t N>
Result<int> word(const json& doc, std::string_view key,
                 const std::array<std::string_view, N>& words, std::string_view field) {
  const auto it = doc.find(key);
  if (it == doc.end()) {
    return invalid(std::string(field) + ": missing");
  }
  if (!it->is_string()) {
    return invalid(std::string(field) + ": not a string");
  }
  const auto index = index_of(words, it->get_ref<const std::string&>());
  if (!index) {
    return invalid(std::string(field) + ": value outside the vocabulary");
  }
  return *index;
}

Result<void> check_envelope(const json& doc, Probe expected, std::string_view expected_node,
                            StatusDocument& out) {
  const KindInfo info = kind_info(expected);
  const auto api = doc.find("apiVersion");
  if (api == doc.end() || !api->is_string() || *api != k_api_version) {
    return invalid("apiVersion: not " + std::string(k_api_version));
  }
  const auto kind = doc.find("kind");
  if (kind == doc.end() || !kind->is_string()) {
    return invalid("kind: missing");
  }
  if (*kind != info.kind) {
    return invalid("kind: not " + std::string(info.kind) + " (file name says " +
                   std::string(to_string(expected)) + ")");
  }
  const auto node = doc.find("node");
  if (node == doc.end() || !node->is_string() ||
      !is_node_name(node->get_ref<const std::string&>())) {
    return invalid("node: not an RFC 1123 node name");
  }
  if (*node != expected_node) {
    return invalid("node: does not match the file or object name");
  }
  out.node = node->get<std::string>();
  const auto generated = doc.find("generatedAt");
  if (generated == doc.end() || !generated->is_string()) {
    return invalid("generatedAt: missing");
  }
  const auto when = parse_rfc3339_utc(generated->get_ref<const std::string&>());
  if (!when) {
    return invalid("generatedAt: not RFC 3339 UTC (YYYY-MM-DDThh:mm:ssZ)");
  }
  out.generated_at = *when;
  const auto wave = doc.find("wave");
  if (wave == doc.end() || !wave->is_string() || !is_wave(wave->get_ref<const std::string&>())) {
    return invalid("wave: not 1-63 characters of [A-Za-z0-9._-]");
  }
  out.wave = wave->get<std::string>();
  const auto probe = doc.find("probe");
  if (probe == doc.end() || !probe->is_object() || probe->size() != 2 || !probe->contains("name") ||
      !probe->contains("version")) {
    return invalid("probe: not {name, version}");
  }
  if ((*probe)["name"] != info.probe_name) {
    return invalid("probe.name: not " + std::string(info.probe_name));
  }
  const auto& version = (*probe)["version"];
  if (!version.is_string() || version.get_ref<const std::string&>().empty()) {
    return invalid("probe.version: not a non-empty string");
  }
  const auto signals = doc.find("signals");
  if (signals == doc.end() || !signals->is_object()) {
    return invalid("signals: not an object");
  }
  for (const auto& [name, value] : signals->items()) {
    if (!is_signal_name(name)) {
      return invalid("signals: a name is not ^[a-z][A-Za-z0-9]*$");
    }
    if (!value.is_boolean()) {
      return invalid("signals: a value is not a boolean");
    }
  }
  const auto evidence = doc.find("evidence");
  if (evidence == doc.end() || !evidence->is_array() || evidence->empty()) {
    return invalid("evidence: not a non-empty array");
  }
  for (const auto& line : *evidence) {
    if (!line.is_string() || line.get_ref<const std::string&>().empty() ||
        line.get_ref<const std::string&>().size() > k_max_evidence_chars) {
      return invalid("evidence: an item is not a string of 1-512 characters");
    }
  }
  const auto enforcement = doc.find("enforcement");
  if (enforcement == doc.end() || !enforcement->is_string() ||
      (*enforcement != "advisory" && *enforcement != "enforcing")) {
    return invalid("enforcement: not advisory or enforcing");
  }
  return {};
}

// Properties every document has (envelope.v1 "required").
constexpr std::array<std::string_view, 9> k_envelope_keys = {
    "apiVersion", "kind",    "node",     "generatedAt", "wave",
    "probe",      "signals", "evidence", "enforcement"};
constexpr std::array<std::string_view, 2> k_cc_keys = {"mode", "hostCapabilities"};
constexpr std::array<std::string_view, 3> k_tpm_keys = {"family", "measuredBoot", "readiness"};

// Optional envelope.v1 properties the agents add when they keep an audit log.
constexpr std::array<std::string_view, 2> k_optional_envelope_keys = {"auditHead", "bootState"};

bool is_hash_text(const json& v) {
  if (!v.is_string()) {
    return false;
  }
  const std::string& s = v.get_ref<const std::string&>();
  return s.size() == 71 && s.rfind("sha256:", 0) == 0 &&
         std::all_of(s.begin() + 7, s.end(),
                     [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

// envelope.v1 auditHead {seq, hash, state} and bootState {quoted, changedAt?, since?}.
Result<void> check_audit_fields(const json& doc, StatusDocument& out) {
  if (const auto head = doc.find("auditHead"); head != doc.end()) {
    if (!head->is_object() || head->size() != 3 || !head->contains("seq") ||
        !(*head)["seq"].is_number_unsigned() || !head->contains("hash") ||
        !is_hash_text((*head)["hash"]) || !head->contains("state") ||
        ((*head)["state"] != "ok" && (*head)["state"] != "stalled")) {
      return invalid("auditHead: not {seq, hash: sha256:<hex>, state: ok|stalled}");
    }
  }
  const auto boot = doc.find("bootState");
  if (boot == doc.end()) {
    return {};
  }
  const auto quoted = boot->is_object() ? boot->find("quoted") : boot->end();
  if (!boot->is_object() || quoted == boot->end() || !quoted->is_boolean()) {
    return invalid("bootState: not {quoted: boolean, changedAt?, since?}");
  }
  std::size_t members = 1;
  out.has_boot_state = true;
  out.boot_quoted = quoted->get<bool>();
  if (const auto changed = boot->find("changedAt"); changed != boot->end()) {
    if (!changed->is_number_unsigned()) {
      return invalid("bootState.changedAt: not a non-negative integer");
    }
    out.boot_changed_at = changed->get<std::uint64_t>();
    ++members;
  }
  if (const auto since = boot->find("since"); since != boot->end()) {
    if (!since->is_string() || !parse_rfc3339_utc(since->get_ref<const std::string&>())) {
      return invalid("bootState.since: not RFC 3339 UTC");
    }
    ++members;
  }
  if (boot->size() != members) {
    return invalid("bootState: unknown member (never a digest)");
  }
  return {};
}

Result<void> check_no_unknown_keys(const json& doc, Probe probe) {
  for (const auto& [key, value] : doc.items()) {
    (void)value;
    const bool known = index_of(k_envelope_keys, key) || index_of(k_optional_envelope_keys, key) ||
                       (probe == Probe::cc ? index_of(k_cc_keys, key).has_value()
                                           : index_of(k_tpm_keys, key).has_value());
    if (!known) {
      // The name is not quoted: it is the node's text.
      return invalid("unknown top-level property (ccstatus.v1/tpmstatus.v1 allow none)");
    }
  }
  return {};
}

Result<void> check_cc(const json& doc, StatusDocument& out) {
  auto mode = word(doc, "mode", k_modes, "mode");
  if (!mode) {
    return tl::unexpected(mode.error());
  }
  out.mode = *mode;
  const auto caps = doc.find("hostCapabilities");
  if (caps == doc.end()) {
    return invalid("hostCapabilities: missing");
  }
  auto bits = word_set(*caps, k_capabilities, "hostCapabilities");
  if (!bits) {
    return tl::unexpected(bits.error());
  }
  out.capabilities = *bits;
  const auto& signals = doc["signals"];
  for (const auto name : k_cc_required_signals) {
    if (!signals.contains(name)) {
      return invalid("signals: required CCStatus signal " + std::string(name) + " missing");
    }
  }
  return {};
}

Result<void> check_tpm(const json& doc, StatusDocument& out) {
  auto family = word(doc, "family", k_families, "family");
  if (!family) {
    return tl::unexpected(family.error());
  }
  out.family = *family;
  const auto measured = doc.find("measuredBoot");
  if (measured == doc.end() || !measured->is_object() || measured->size() != 4) {
    return invalid("measuredBoot: not {eventLog, ima, pcrBanks, firmwareTable}");
  }
  for (const char* flag : {"eventLog", "ima"}) {
    const auto it = measured->find(flag);
    if (it == measured->end() || !it->is_boolean()) {
      return invalid(std::string("measuredBoot.") + flag + ": not a boolean");
    }
  }
  if (auto table =
          word(*measured, "firmwareTable", k_firmware_tables, "measuredBoot.firmwareTable");
      !table) {
    return tl::unexpected(table.error());
  }
  const auto banks = measured->find("pcrBanks");
  if (banks == measured->end() || !banks->is_array() || banks->size() > k_max_pcr_banks) {
    return invalid("measuredBoot.pcrBanks: not an array of at most 16 names");
  }
  for (auto it = banks->begin(); it != banks->end(); ++it) {
    const bool name_ok = it->is_string() && !it->get_ref<const std::string&>().empty() &&
                         it->get_ref<const std::string&>().size() <= k_max_pcr_bank_chars &&
                         std::all_of(it->get_ref<const std::string&>().begin(),
                                     it->get_ref<const std::string&>().end(), [](char c) {
                                       return is_lower_alnum(c) || c == '_' || c == '-';
                                     });
    if (!name_ok || std::find(banks->begin(), it, *it) != it) {
      return invalid("measuredBoot.pcrBanks: an item is not a distinct ^[a-z0-9_-]{1,16}$ name");
    }
  }
  const auto readiness = doc.find("readiness");
  if (readiness == doc.end() || !readiness->is_object()) {
    return invalid("readiness: not an object");
  }
  auto verdict = word(*readiness, "verdict", k_readiness, "readiness.verdict");
  if (!verdict) {
    return tl::unexpected(verdict.error());
  }
  out.readiness = *verdict;
  const auto missing = readiness->find("missing");
  if (missing == readiness->end()) {
    return invalid("readiness.missing: missing");
  }
  auto bits = word_set(*missing, k_missing_parts, "readiness.missing");
  if (!bits) {
    return tl::unexpected(bits.error());
  }
  out.missing_parts = *bits;
  if (readiness->size() != 2) {
    return invalid("readiness: not {verdict, missing}");
  }
  // tpmstatus.v1: "ready" exactly when nothing is missing.
  if ((k_readiness[static_cast<std::size_t>(out.readiness)] == "ready") !=
      (out.missing_parts == 0)) {
    return invalid("readiness: verdict ready must come with an empty missing list, and only then");
  }
  const auto& signals = doc["signals"];
  for (const auto name : k_tpm_required_signals) {
    if (!signals.contains(name)) {
      return invalid("signals: required TPMStatus signal " + std::string(name) + " missing");
    }
  }
  return {};
}

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

}  // namespace

std::string_view to_string(Probe probe) { return probe == Probe::cc ? "cc" : "tpm"; }

Result<StatusDocument> parse_status_document(std::string_view bytes, Probe expected,
                                             std::string_view expected_node) {
  if (bytes.size() > k_max_document_bytes) {
    return invalid("document: larger than 64 KiB");
  }
  if (bytes.empty()) {
    return invalid("document: empty (partial write?)");
  }
  if (max_depth(bytes) > k_max_json_depth) {
    return invalid("document: nested deeper than 8 levels");
  }
  json doc = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return invalid("document: not valid JSON (partial write?)");
  }
  if (!doc.is_object()) {
    return invalid("document: not a JSON object");
  }
  StatusDocument out;
  out.probe = expected;
  if (auto ok = check_envelope(doc, expected, expected_node, out); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_no_unknown_keys(doc, expected); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_audit_fields(doc, out); !ok) {
    return tl::unexpected(ok.error());
  }
  auto body = expected == Probe::cc ? check_cc(doc, out) : check_tpm(doc, out);
  if (!body) {
    return tl::unexpected(body.error());
  }
  // Valid JSON is valid UTF-8 here (the parser rejects anything else), so dump cannot throw.
  out.compact = doc.dump();
  return out;
}

std::optional<TimePoint> parse_rfc3339_utc(std::string_view s) {
  // Fixed layout "YYYY-MM-DDThh:mm:ssZ" (20 characters).
  constexpr std::string_view k_layout = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != k_layout.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (k_layout[i] == 'd' ? !is_digit(s[i]) : s[i] != k_layout[i]) {
      return std::nullopt;
    }
  }
  const int year = two_digits(s, 0) * 100 + two_digits(s, 2);
  const auto ymd = std::chrono::year{year} /
                   std::chrono::month{static_cast<unsigned>(two_digits(s, 5))} /
                   std::chrono::day{static_cast<unsigned>(two_digits(s, 8))};
  const int hour = two_digits(s, 11);
  const int minute = two_digits(s, 14);
  const int second = two_digits(s, 17);
  // RFC 3339 5.6 allows second 60 (a leap second); it counts as :59.
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  // Checked conversion: TimePoint counts nanoseconds in 64 bits (1677-09-21 to 2262-04-11);
  // a date outside would wrap around (undefined behaviour), so it is refused instead.
  const std::int64_t seconds =
      std::int64_t{std::chrono::sys_days{ymd}.time_since_epoch().count()} * 86400 + hour * 3600 +
      minute * 60 + std::min(second, 59);
  constexpr auto k_limit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max());
  if (seconds > k_limit.count() || seconds < -k_limit.count()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{seconds})};
}

std::string format_rfc3339_utc(TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf.data(), n);
}

std::optional<DocumentFileName> parse_document_file_name(std::string_view file_name) {
  constexpr std::string_view k_cc_suffix = ".cc.json";
  constexpr std::string_view k_tpm_suffix = ".tpm.json";
  DocumentFileName out;
  std::string_view node;
  if (file_name.ends_with(k_cc_suffix)) {
    node = file_name.substr(0, file_name.size() - k_cc_suffix.size());
    out.probe = Probe::cc;
  } else if (file_name.ends_with(k_tpm_suffix)) {
    node = file_name.substr(0, file_name.size() - k_tpm_suffix.size());
    out.probe = Probe::tpm;
  } else {
    return std::nullopt;
  }
  if (!is_node_name(node)) {
    return std::nullopt;
  }
  out.node = std::string(node);
  return out;
}

std::string document_file_name(std::string_view node, Probe probe) {
  return std::string(node) + (probe == Probe::cc ? ".cc.json" : ".tpm.json");
}

}  // namespace ztp::fleet
