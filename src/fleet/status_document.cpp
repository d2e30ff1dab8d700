#include "fleet/status_document.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/k8s_names.h"
#include "fleet/attest_document.h"
#include "fleet/vocabulary.h"

namespace ztp::fleet {

namespace {

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
// tpmstatus.v1 measuredBoot.pcrBanks: at most 16 names of ^[a-z0-9_-]{1,16}$.
constexpr std::size_t k_max_pcr_banks = 16;
constexpr std::size_t k_max_pcr_bank_chars = 16;
// envelope.v1 auditHead.state.
constexpr std::array<std::string_view, 2> k_audit_states = {"ok", "stalled"};

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

bool is_pcr_bank_name(std::string_view name) {
  return !name.empty() && name.size() <= k_max_pcr_bank_chars &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return is_lower_alnum(c) || c == '_' || c == '-'; });
}

bool is_hash_text(std::string_view s) {
  return s.size() == 71 && s.starts_with("sha256:") &&
         std::all_of(s.begin() + 7, s.end(),
                     [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

// ---------------------------------------------------------------------------------------
// Text: the bytes without the whitespace between tokens.

// RFC 8259 section 2: the only insignificant whitespace.
bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A character that ends the token before it and starts a new one by itself.
bool is_delimiter(char c) {
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',' || c == '"';
}

// One pass over the bytes: the text without whitespace outside strings (what the detail
// view stores), and the deepest nesting of arrays/objects, checked before parsing so
// hostile input never reaches the parser. A run of whitespace is dropped only next to a
// delimiter, so no two tokens are ever joined: the parser sees the same tokens in the
// compact text as in the bytes, and invalid input stays invalid.
// Where the string starting after an opening quote at `from` ends: one past its closing
// quote, or the end of the bytes. Skips whole runs with memchr (most strings have no escape).
std::size_t string_end(std::string_view bytes, std::size_t from) {
  while (from < bytes.size()) {
    const char* const at = bytes.data() + from;
    const std::size_t left = bytes.size() - from;
    const auto* quote = static_cast<const char*>(std::memchr(at, '"', left));
    const std::size_t run = quote == nullptr ? left : static_cast<std::size_t>(quote - at);
    const auto* escape = static_cast<const char*>(std::memchr(at, '\\', run));
    if (escape == nullptr) {
      return quote == nullptr ? bytes.size() : from + run + 1;
    }
    from += static_cast<std::size_t>(escape - at) + 2;  // the escape and the byte it escapes
  }
  return bytes.size();
}

int compact_json(std::string_view bytes, std::string& out) {
  // Written through a pointer: std::string::push_back is an out-of-line call per byte.
  out.resize(bytes.size());
  char* const begin = out.data();
  char* w = begin;
  int depth = 0;
  int deepest = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '"') {
      const std::size_t end = string_end(bytes, i + 1);
      w = std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                    bytes.begin() + static_cast<std::ptrdiff_t>(end), w);
      i = end - 1;
      continue;
    }
    if (is_json_space(c)) {
      std::size_t end = i + 1;
      while (end < bytes.size() && is_json_space(bytes[end])) {
        ++end;
      }
      const bool after_delimiter = w != begin && is_delimiter(w[-1]);
      const bool before_delimiter = end < bytes.size() && is_delimiter(bytes[end]);
      if (!after_delimiter && !before_delimiter) {
        w = std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                      bytes.begin() + static_cast<std::ptrdiff_t>(end), w);
      }
      i = end - 1;
      continue;
    }
    if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
    *w++ = c;
  }
  out.resize(static_cast<std::size_t>(w - begin));
  return deepest;
}

// ---------------------------------------------------------------------------------------
// Facts: what the rules below look at, collected in one SAX pass (no DOM, no copies of
// anything the rules do not read).

enum class Type : std::uint8_t { absent, null, boolean, natural, number, string, object, array };

// One value as the parser reports it: its type and, for scalars, the value ("natural" is a
// non-negative integer, the only numbers the schema has). The text is the parser's.
struct Value {
  Type type;
  bool flag;
  std::uint64_t natural;
  std::string_view text;

  // Implicit, so that scalar({Type::null}) reads as what it is.
  Value(Type t, bool b = false, std::uint64_t n = 0, std::string_view s = {})
      : type(t), flag(b), natural(n), text(s) {}
  bool is(Type t) const { return type == t; }
};

// One property's value, kept for the rules.
struct Field {
  Type type = Type::absent;
  bool flag = false;
  std::uint64_t natural = 0;
  std::string text;

  void set(const Value& value) {
    type = value.type;
    flag = value.flag;
    natural = value.natural;
    text.assign(value.text);
  }
  bool present() const { return type != Type::absent; }
  bool is(Type t) const { return type == t; }
  bool is_text(std::string_view s) const { return type == Type::string && text == s; }
};

// The first fault of an array of vocabulary words, in document order.
enum class WordFault : std::uint8_t { none, not_string, outside_vocabulary, duplicate };

struct WordList {
  std::uint8_t bits = 0;  // bit i set = word i listed
  WordFault fault = WordFault::none;

  template <std::size_t N>
  void add(const Value& item, const std::array<std::string_view, N>& words) {
    if (fault != WordFault::none) {
      return;
    }
    if (!item.is(Type::string)) {
      fault = WordFault::not_string;
      return;
    }
    const auto index = index_of(words, item.text);
    if (!index) {
      fault = WordFault::outside_vocabulary;
      return;
    }
    const auto bit = static_cast<std::uint8_t>(1U << static_cast<unsigned>(*index));
    if ((bits & bit) != 0) {
      fault = WordFault::duplicate;
      return;
    }
    bits = static_cast<std::uint8_t>(bits | bit);
  }
};

struct ProbeFacts {
  std::size_t members = 0;
  Field name;
  Field version;
  Field* member(std::string_view key) {
    return key == "name" ? &name : key == "version" ? &version : nullptr;
  }
};

struct SignalFacts {
  enum class Fault : std::uint8_t { none, name, value };
  Fault fault = Fault::none;  // the first entry's
  // Every name, for duplicates and the required ones: one buffer, not a string each.
  std::string names;
  std::vector<std::uint32_t> ends;

  bool contains(std::string_view name) const {
    std::size_t start = 0;
    for (const std::uint32_t end : ends) {
      if (std::string_view(names).substr(start, end - start) == name) {
        return true;
      }
      start = end;
    }
    return false;
  }
  // False when the name was already there.
  bool add(std::string_view name) {
    if (ends.empty()) {
      names.reserve(512);  // a real document has about 20 signals
      ends.reserve(32);
    }
    if (contains(name)) {
      return false;
    }
    names.append(name);
    ends.push_back(static_cast<std::uint32_t>(names.size()));
    return true;
  }
};

struct EvidenceFacts {
  std::size_t items = 0;
  bool bad_item = false;
};

struct PcrBankFacts {
  std::size_t items = 0;
  bool bad_item = false;  // not a name, or a repeat
  std::vector<std::string> names;
};

struct MeasuredBootFacts {
  std::size_t members = 0;
  Field event_log;
  Field ima;
  Field firmware_table;
  Field pcr_banks;
  Field* member(std::string_view key) {
    if (key == "eventLog") {
      return &event_log;
    }
    if (key == "ima") {
      return &ima;
    }
    if (key == "firmwareTable") {
      return &firmware_table;
    }
    return key == "pcrBanks" ? &pcr_banks : nullptr;
  }
};

struct ReadinessFacts {
  std::size_t members = 0;
  Field verdict;
  Field missing;
  Field* member(std::string_view key) {
    return key == "verdict" ? &verdict : key == "missing" ? &missing : nullptr;
  }
};

struct AuditHeadFacts {
  std::size_t members = 0;
  Field seq;
  Field hash;
  Field state;
  Field* member(std::string_view key) {
    return key == "seq" ? &seq : key == "hash" ? &hash : key == "state" ? &state : nullptr;
  }
};

struct BootStateFacts {
  std::size_t members = 0;
  Field quoted;
  Field changed_at;
  Field since;
  Field* member(std::string_view key) {
    if (key == "quoted") {
      return &quoted;
    }
    return key == "changedAt" ? &changed_at : key == "since" ? &since : nullptr;
  }
};

struct DocumentFacts {
  bool object = false;     // the root is an object
  bool duplicate = false;  // a property of a checked object appears twice
  bool unknown_property = false;
  // envelope.v1 "required", then the optional audit properties, then each probe's own.
  Field api_version, kind, node, generated_at, wave, probe, signals, evidence, enforcement;
  Field audit_head, boot_state;
  Field mode, host_capabilities;           // CCStatus
  Field family, measured_boot, readiness;  // TPMStatus
  ProbeFacts probe_members;
  SignalFacts signal_entries;
  EvidenceFacts evidence_items;
  WordList capabilities;
  MeasuredBootFacts boot_measurement;
  PcrBankFacts pcr_bank_items;
  ReadinessFacts readiness_members;
  WordList missing_parts;
  AuditHeadFacts audit_head_members;
  BootStateFacts boot_state_members;

  Field* top_level(std::string_view key, Probe expected) {
    for (const auto& [name, field] :
         std::initializer_list<std::pair<std::string_view, Field*>>{{"apiVersion", &api_version},
                                                                    {"kind", &kind},
                                                                    {"node", &node},
                                                                    {"generatedAt", &generated_at},
                                                                    {"wave", &wave},
                                                                    {"probe", &probe},
                                                                    {"signals", &signals},
                                                                    {"evidence", &evidence},
                                                                    {"enforcement", &enforcement},
                                                                    {"auditHead", &audit_head},
                                                                    {"bootState", &boot_state}}) {
      if (key == name) {
        return field;
      }
    }
    if (expected == Probe::cc) {
      return key == "mode" ? &mode : key == "hostCapabilities" ? &host_capabilities : nullptr;
    }
    if (key == "family") {
      return &family;
    }
    return key == "measuredBoot" ? &measured_boot : key == "readiness" ? &readiness : nullptr;
  }
};

// Where the parser is: the checked objects and arrays, outermost first.
enum class Place : std::uint8_t {
  root,
  probe,
  signals,
  evidence,
  capabilities,
  measured_boot,
  pcr_banks,
  readiness,
  missing_parts,
  audit_head,
  boot_state
};

// Places whose values are items (arrays), or signal values: each is checked on arrival.
bool takes_items(Place place) {
  return place == Place::signals || place == Place::evidence || place == Place::capabilities ||
         place == Place::pcr_banks || place == Place::missing_parts;
}

// nlohmann's SAX interface (json.nlohmann.me/features/parsing/sax_interface/): fills
// DocumentFacts. It never stops the parser early: a syntax error anywhere outranks
// every other reason, as with a full parse.
class FactCollector {
 public:
  using json = nlohmann::json;

  FactCollector(Probe probe, DocumentFacts& facts) : m_probe(probe), m_facts(facts) {
    m_levels.reserve(4);  // root, measuredBoot, pcrBanks: the deepest checked path
  }

  bool syntax_error() const { return m_syntax_error; }

  bool null() { return scalar({Type::null}); }
  bool boolean(bool value) { return scalar({Type::boolean, value}); }
  bool number_integer(json::number_integer_t /*negative*/) { return scalar({Type::number}); }
  bool number_unsigned(json::number_unsigned_t value) {
    return scalar({Type::natural, false, value});
  }
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*text*/) {
    return scalar({Type::number});
  }
  // Copied only where a rule keeps it: the parser reuses its buffer for the next string.
  bool string(json::string_t& value) { return scalar({Type::string, false, 0, value}); }
  bool binary(json::binary_t& /*value*/) { return true; }  // never produced by JSON text
  bool start_object(std::size_t /*elements*/) { return open(Type::object); }
  bool start_array(std::size_t /*elements*/) { return open(Type::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& name);
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    m_syntax_error = true;
    return false;
  }

 private:
  struct Level {
    Place place;
    Field* member = nullptr;  // the value the next event fills (objects)
  };

  bool scalar(const Value& value);
  bool open(Type type);
  bool close();
  void item(const Value& value);
  std::optional<Place> opens(const Field* target, Type type) const;
  std::size_t* members(Place place);
  Field* member(Place place, std::string_view key);

  Probe m_probe;
  DocumentFacts& m_facts;
  std::vector<Level> m_levels;
  int m_skip = 0;  // depth inside a value no rule looks into
  bool m_syntax_error = false;
};

std::size_t* FactCollector::members(Place place) {
  switch (place) {
    case Place::probe:
      return &m_facts.probe_members.members;
    case Place::measured_boot:
      return &m_facts.boot_measurement.members;
    case Place::readiness:
      return &m_facts.readiness_members.members;
    case Place::audit_head:
      return &m_facts.audit_head_members.members;
    case Place::boot_state:
      return &m_facts.boot_state_members.members;
    default:
      return nullptr;
  }
}

Field* FactCollector::member(Place place, std::string_view key) {
  switch (place) {
    case Place::root:
      return m_facts.top_level(key, m_probe);
    case Place::probe:
      return m_facts.probe_members.member(key);
    case Place::measured_boot:
      return m_facts.boot_measurement.member(key);
    case Place::readiness:
      return m_facts.readiness_members.member(key);
    case Place::audit_head:
      return m_facts.audit_head_members.member(key);
    case Place::boot_state:
      return m_facts.boot_state_members.member(key);
    default:
      return nullptr;
  }
}

bool FactCollector::key(json::string_t& name) {
  if (m_skip > 0) {
    return true;
  }
  Level& level = m_levels.back();
  if (level.place == Place::signals) {
    SignalFacts& signals = m_facts.signal_entries;
    if (!is_signal_name(name) && signals.fault == SignalFacts::Fault::none) {
      signals.fault = SignalFacts::Fault::name;
    }
    m_facts.duplicate = !signals.add(name) || m_facts.duplicate;
    level.member = nullptr;
    return true;
  }
  if (std::size_t* count = members(level.place)) {
    ++*count;
  }
  level.member = member(level.place, name);
  if (level.member == nullptr) {
    m_facts.unknown_property = m_facts.unknown_property || level.place == Place::root;
  } else if (level.member->present()) {
    m_facts.duplicate = true;  // a parser would keep only one of them; the rules see both
  }
  return true;
}

// The place a container opens when it arrives where the schema expects it.
std::optional<Place> FactCollector::opens(const Field* target, Type type) const {
  const DocumentFacts& facts = m_facts;
  const std::array<std::tuple<const Field*, Type, Place>, 10> containers = {{
      {&facts.probe, Type::object, Place::probe},
      {&facts.signals, Type::object, Place::signals},
      {&facts.evidence, Type::array, Place::evidence},
      {&facts.host_capabilities, Type::array, Place::capabilities},
      {&facts.measured_boot, Type::object, Place::measured_boot},
      {&facts.boot_measurement.pcr_banks, Type::array, Place::pcr_banks},
      {&facts.readiness, Type::object, Place::readiness},
      {&facts.readiness_members.missing, Type::array, Place::missing_parts},
      {&facts.audit_head, Type::object, Place::audit_head},
      {&facts.boot_state, Type::object, Place::boot_state},
  }};
  for (const auto& [field, container_type, place] : containers) {
    if (field == target && container_type == type) {
      return place;
    }
  }
  return std::nullopt;
}

bool FactCollector::open(Type type) {
  if (m_skip > 0) {
    ++m_skip;
    return true;
  }
  if (m_levels.empty()) {
    m_facts.object = type == Type::object;
    if (m_facts.object) {
      m_levels.push_back({Place::root});
    } else {
      ++m_skip;
    }
    return true;
  }
  Level& level = m_levels.back();
  Field* target = level.member;
  if (takes_items(level.place)) {
    item({type});
    ++m_skip;  // no item or signal is a container
    return true;
  }
  if (target != nullptr) {
    target->type = type;
  }
  if (const auto place = opens(target, type)) {
    m_levels.push_back({*place});
  } else {
    ++m_skip;
  }
  return true;
}

bool FactCollector::close() {
  if (m_skip > 0) {
    --m_skip;
  } else if (!m_levels.empty()) {
    m_levels.pop_back();
  }
  return true;
}

bool FactCollector::scalar(const Value& value) {
  if (m_skip > 0 || m_levels.empty()) {
    return true;  // a scalar root is caught as "not an object"
  }
  Level& level = m_levels.back();
  if (takes_items(level.place)) {
    item(value);
  } else if (level.member != nullptr) {
    level.member->set(value);
  }
  return true;
}

// One array item, or one signal's value.
void FactCollector::item(const Value& value) {
  switch (m_levels.back().place) {
    case Place::signals:
      if (!value.is(Type::boolean) && m_facts.signal_entries.fault == SignalFacts::Fault::none) {
        m_facts.signal_entries.fault = SignalFacts::Fault::value;
      }
      break;
    case Place::evidence: {
      EvidenceFacts& evidence = m_facts.evidence_items;
      ++evidence.items;
      evidence.bad_item = evidence.bad_item || !value.is(Type::string) || value.text.empty() ||
                          value.text.size() > k_max_evidence_chars;
      break;
    }
    case Place::capabilities:
      m_facts.capabilities.add(value, k_capabilities);
      break;
    case Place::missing_parts:
      m_facts.missing_parts.add(value, k_missing_parts);
      break;
    case Place::pcr_banks: {
      PcrBankFacts& banks = m_facts.pcr_bank_items;
      if (++banks.items > k_max_pcr_banks || banks.bad_item) {
        break;  // the count alone decides now
      }
      const bool name_ok = value.is(Type::string) && is_pcr_bank_name(value.text);
      if (!name_ok ||
          std::find(banks.names.begin(), banks.names.end(), value.text) != banks.names.end()) {
        banks.bad_item = true;
      } else {
        banks.names.emplace_back(value.text);
      }
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------
// Rules, in the order their reasons are reported.

template <std::size_t N>
Result<int> word(const Field& value, const std::array<std::string_view, N>& words,
                 std::string_view field) {
  if (!value.present()) {
    return invalid(std::string(field) + ": missing");
  }
  if (!value.is(Type::string)) {
    return invalid(std::string(field) + ": not a string");
  }
  const auto index = index_of(words, value.text);
  if (!index) {
    return invalid(std::string(field) + ": value outside the vocabulary");
  }
  return *index;
}

// An array of distinct words from a vocabulary, as a bit set.
Result<std::uint8_t> word_set(const Field& value, const WordList& list, std::string_view field) {
  if (!value.is(Type::array)) {
    return invalid(std::string(field) + ": not an array");
  }
  switch (list.fault) {
    case WordFault::not_string:
      return invalid(std::string(field) + ": item is not a string");
    case WordFault::outside_vocabulary:
      return invalid(std::string(field) + ": item outside the vocabulary");
    case WordFault::duplicate:
      return invalid(std::string(field) + ": duplicate item");
    case WordFault::none:
      break;
  }
  return list.bits;
}

Result<void> check_identity(DocumentFacts& doc, Probe expected, std::string_view expected_node,
                            StatusDocument& out) {
  const KindInfo info = kind_info(expected);
  if (!doc.api_version.is_text(k_api_version)) {
    return invalid("apiVersion: not " + std::string(k_api_version));
  }
  if (!doc.kind.is(Type::string)) {
    return invalid("kind: missing");
  }
  if (doc.kind.text != info.kind) {
    return invalid("kind: not " + std::string(info.kind) + " (file name says " +
                   std::string(to_string(expected)) + ")");
  }
  if (!doc.node.is(Type::string) || !is_node_name(doc.node.text)) {
    return invalid("node: not an RFC 1123 node name");
  }
  if (doc.node.text != expected_node) {
    return invalid("node: does not match the file or object name");
  }
  out.node = std::move(doc.node.text);
  if (!doc.generated_at.is(Type::string)) {
    return invalid("generatedAt: missing");
  }
  const auto when = parse_rfc3339(doc.generated_at.text);
  if (!when) {
    return invalid("generatedAt: not RFC 3339 UTC (YYYY-MM-DDThh:mm:ssZ)");
  }
  out.generated_at = *when;
  if (!doc.wave.is(Type::string) || !is_wave(doc.wave.text)) {
    return invalid("wave: not 1-63 characters of [A-Za-z0-9._-]");
  }
  out.wave = std::move(doc.wave.text);
  return {};
}

Result<void> check_probe_and_signals(const DocumentFacts& doc, Probe expected) {
  const KindInfo info = kind_info(expected);
  const ProbeFacts& probe = doc.probe_members;
  if (!doc.probe.is(Type::object) || probe.members != 2 || !probe.name.present() ||
      !probe.version.present()) {
    return invalid("probe: not {name, version}");
  }
  if (!probe.name.is_text(info.probe_name)) {
    return invalid("probe.name: not " + std::string(info.probe_name));
  }
  if (!probe.version.is(Type::string) || probe.version.text.empty()) {
    return invalid("probe.version: not a non-empty string");
  }
  if (!doc.signals.is(Type::object)) {
    return invalid("signals: not an object");
  }
  switch (doc.signal_entries.fault) {
    case SignalFacts::Fault::name:
      return invalid("signals: a name is not ^[a-z][A-Za-z0-9]*$");
    case SignalFacts::Fault::value:
      return invalid("signals: a value is not a boolean");
    case SignalFacts::Fault::none:
      break;
  }
  return {};
}

Result<void> check_envelope(DocumentFacts& doc, Probe expected, std::string_view expected_node,
                            StatusDocument& out) {
  if (auto ok = check_identity(doc, expected, expected_node, out); !ok) {
    return ok;
  }
  if (auto ok = check_probe_and_signals(doc, expected); !ok) {
    return ok;
  }
  if (!doc.evidence.is(Type::array) || doc.evidence_items.items == 0) {
    return invalid("evidence: not a non-empty array");
  }
  if (doc.evidence_items.bad_item) {
    return invalid("evidence: an item is not a string of 1-512 characters");
  }
  if (doc.enforcement.type != Type::string ||
      !index_of(k_enforcement_modes, doc.enforcement.text)) {
    return invalid("enforcement: not advisory or enforcing");
  }
  return {};
}

// envelope.v1 auditHead {seq, hash, state} and bootState {quoted, changedAt?, since?}.
Result<void> check_audit_fields(const DocumentFacts& doc, StatusDocument& out) {
  const AuditHeadFacts& head = doc.audit_head_members;
  if (doc.audit_head.present() &&
      (!doc.audit_head.is(Type::object) || head.members != 3 || !head.seq.is(Type::natural) ||
       !head.hash.is(Type::string) || !is_hash_text(head.hash.text) ||
       !head.state.is(Type::string) || !index_of(k_audit_states, head.state.text))) {
    return invalid("auditHead: not {seq, hash: sha256:<hex>, state: ok|stalled}");
  }
  if (!doc.boot_state.present()) {
    return {};
  }
  const BootStateFacts& boot = doc.boot_state_members;
  if (!doc.boot_state.is(Type::object) || !boot.quoted.is(Type::boolean)) {
    return invalid("bootState: not {quoted: boolean, changedAt?, since?}");
  }
  std::size_t members = 1;
  out.has_boot_state = true;
  out.boot_quoted = boot.quoted.flag;
  if (boot.changed_at.present()) {
    if (!boot.changed_at.is(Type::natural)) {
      return invalid("bootState.changedAt: not a non-negative integer");
    }
    out.boot_changed_at = boot.changed_at.natural;
    ++members;
  }
  if (boot.since.present()) {
    if (!boot.since.is(Type::string) || !parse_rfc3339(boot.since.text)) {
      return invalid("bootState.since: not RFC 3339 UTC");
    }
    ++members;
  }
  if (boot.members != members) {
    return invalid("bootState: unknown member (never a digest)");
  }
  return {};
}

template <std::size_t N>
Result<void> check_required_signals(const DocumentFacts& doc,
                                    const std::array<std::string_view, N>& required,
                                    std::string_view kind) {
  for (const auto name : required) {
    if (!doc.signal_entries.contains(name)) {
      return invalid("signals: required " + std::string(kind) + " signal " + std::string(name) +
                     " missing");
    }
  }
  return {};
}

Result<void> check_cc(const DocumentFacts& doc, StatusDocument& out) {
  auto mode = word(doc.mode, k_modes, "mode");
  if (!mode) {
    return tl::unexpected(mode.error());
  }
  out.mode = *mode;
  if (!doc.host_capabilities.present()) {
    return invalid("hostCapabilities: missing");
  }
  auto bits = word_set(doc.host_capabilities, doc.capabilities, "hostCapabilities");
  if (!bits) {
    return tl::unexpected(bits.error());
  }
  out.capabilities = *bits;
  return check_required_signals(doc, k_cc_required_signals, "CCStatus");
}

// tpmstatus.v1 measuredBoot {eventLog, ima, pcrBanks, firmwareTable}.
Result<void> check_measured_boot(const DocumentFacts& doc) {
  const MeasuredBootFacts& measured = doc.boot_measurement;
  if (!doc.measured_boot.is(Type::object) || measured.members != 4) {
    return invalid("measuredBoot: not {eventLog, ima, pcrBanks, firmwareTable}");
  }
  if (!measured.event_log.is(Type::boolean)) {
    return invalid("measuredBoot.eventLog: not a boolean");
  }
  if (!measured.ima.is(Type::boolean)) {
    return invalid("measuredBoot.ima: not a boolean");
  }
  if (auto table = word(measured.firmware_table, k_firmware_tables, "measuredBoot.firmwareTable");
      !table) {
    return tl::unexpected(table.error());
  }
  if (!measured.pcr_banks.is(Type::array) || doc.pcr_bank_items.items > k_max_pcr_banks) {
    return invalid("measuredBoot.pcrBanks: not an array of at most 16 names");
  }
  if (doc.pcr_bank_items.bad_item) {
    return invalid("measuredBoot.pcrBanks: an item is not a distinct ^[a-z0-9_-]{1,16}$ name");
  }
  return {};
}

// tpmstatus.v1 readiness {verdict, missing}.
Result<void> check_readiness(const DocumentFacts& doc, StatusDocument& out) {
  const ReadinessFacts& readiness = doc.readiness_members;
  if (!doc.readiness.is(Type::object)) {
    return invalid("readiness: not an object");
  }
  auto verdict = word(readiness.verdict, k_readiness, "readiness.verdict");
  if (!verdict) {
    return tl::unexpected(verdict.error());
  }
  out.readiness = *verdict;
  if (!readiness.missing.present()) {
    return invalid("readiness.missing: missing");
  }
  auto bits = word_set(readiness.missing, doc.missing_parts, "readiness.missing");
  if (!bits) {
    return tl::unexpected(bits.error());
  }
  out.missing_parts = *bits;
  if (readiness.members != 2) {
    return invalid("readiness: not {verdict, missing}");
  }
  // tpmstatus.v1: nothing is missing exactly when the verdict is ready, or unknown (the
  // event log could not be checked, and nothing else is lacking).
  const bool lacks_nothing = out.readiness == index(vocab::TpmReadiness::ready) ||
                             out.readiness == index(vocab::TpmReadiness::unknown);
  if (lacks_nothing != (out.missing_parts == 0)) {
    return invalid(
        "readiness: verdict ready or unknown must come with an empty missing list, and only then");
  }
  return {};
}

Result<void> check_tpm(const DocumentFacts& doc, StatusDocument& out) {
  auto family = word(doc.family, k_families, "family");
  if (!family) {
    return tl::unexpected(family.error());
  }
  out.family = *family;
  if (auto ok = check_measured_boot(doc); !ok) {
    return ok;
  }
  if (auto ok = check_readiness(doc, out); !ok) {
    return ok;
  }
  return check_required_signals(doc, k_tpm_required_signals, "TPMStatus");
}

// The JSON layer: size, nesting, syntax, an object without repeated properties.
Result<void> collect(std::string_view bytes, Probe expected, DocumentFacts& facts,
                     std::string& compact) {
  if (bytes.size() > k_max_document_bytes) {
    return invalid("document: larger than 64 KiB");
  }
  if (bytes.empty()) {
    return invalid("document: empty (partial write?)");
  }
  if (compact_json(bytes, compact) > k_max_json_depth) {
    return invalid("document: nested deeper than 8 levels");
  }
  FactCollector collector(expected, facts);
  if (!nlohmann::json::sax_parse(compact.begin(), compact.end(), &collector) ||
      collector.syntax_error()) {
    return invalid("document: not valid JSON (partial write?)");
  }
  if (!facts.object) {
    return invalid("document: not a JSON object");
  }
  if (facts.duplicate) {
    // RFC 8259 section 4: names SHOULD be unique; readers disagree on which one counts.
    return invalid("document: a property appears twice");
  }
  return {};
}

}  // namespace

std::string_view to_string(Probe probe) {
  switch (probe) {
    case Probe::cc:
      return "cc";
    case Probe::tpm:
      return "tpm";
    case Probe::attest:
      break;
  }
  return "attest";
}

Result<StatusDocument> parse_status_document(std::string_view bytes, Probe expected,
                                             std::string_view expected_node) {
  if (expected == Probe::attest) {
    return parse_attest_document(bytes, expected_node);
  }
  // The compact text is built here, and copied out once (exactly sized) when valid.
  thread_local std::string compact;
  DocumentFacts facts;
  StatusDocument out;
  out.probe = expected;
  if (auto ok = collect(bytes, expected, facts, compact); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_envelope(facts, expected, expected_node, out); !ok) {
    return tl::unexpected(ok.error());
  }
  if (facts.unknown_property) {
    // The name is not quoted: it is the node's text.
    return invalid("unknown top-level property (ccstatus.v1/tpmstatus.v1 allow none)");
  }
  if (auto ok = check_audit_fields(facts, out); !ok) {
    return tl::unexpected(ok.error());
  }
  auto body = expected == Probe::cc ? check_cc(facts, out) : check_tpm(facts, out);
  if (!body) {
    return tl::unexpected(body.error());
  }
  // The compact text keeps the node's key order; a byte order mark is not part of it.
  constexpr std::string_view k_bom = "\xEF\xBB\xBF";
  const std::string_view text(compact);
  out.compact = std::string(text.starts_with(k_bom) ? text.substr(k_bom.size()) : text);
  return out;
}

std::optional<DocumentFileName> parse_document_file_name(std::string_view file_name) {
  constexpr std::array<std::pair<std::string_view, Probe>, 3> k_suffixes = {
      {{".cc.json", Probe::cc}, {".tpm.json", Probe::tpm}, {".attest.json", Probe::attest}}};
  for (const auto& [suffix, probe] : k_suffixes) {
    if (file_name.ends_with(suffix)) {
      const std::string_view node = file_name.substr(0, file_name.size() - suffix.size());
      if (!is_node_name(node)) {
        return std::nullopt;
      }
      return DocumentFileName{std::string(node), probe};
    }
  }
  return std::nullopt;
}

std::string document_file_name(std::string_view node, Probe probe) {
  return std::string(node) + "." + std::string(to_string(probe)) + ".json";
}

}  // namespace ztp::fleet
