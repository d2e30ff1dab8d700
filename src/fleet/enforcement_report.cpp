#include "fleet/enforcement_report.h"

#include <algorithm>
#include <array>
#include <regex>

#include "common/rfc3339.h"

namespace ztp::fleet {

namespace {

using ojson = nlohmann::ordered_json;

// Keywords that only describe (JSON Schema 2020-12 core and meta-data vocabularies).
constexpr std::array<std::string_view, 4> k_annotations = {"$schema", "$id", "title",
                                                           "description"};
constexpr std::array<std::string_view, 11> k_assertions = {
    "type",          "const",      "enum",
    "pattern",       "minimum",    "maxItems",
    "required",      "properties", "additionalProperties",
    "propertyNames", "items"};

std::string at(const std::string& path, std::string_view key) {
  return path + "." + std::string(key);
}

bool has_type(const ojson& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  return type == "null" && v.is_null();
}

Result<void> invalid(const std::string& path, std::string_view rule) {
  return fail(ErrorKind::bad_input, path + ": " + std::string(rule));
}

Result<void> check(const ojson& v, const ojson& schema, const std::string& path);

Result<void> check_keywords_known(const ojson& schema) {
  if (!schema.is_object()) {
    return fail(ErrorKind::unsupported, "schema: a subschema is not an object");
  }
  for (const auto& item : schema.items()) {
    // A named variable, not a structured binding: clang 14 (the fuzz preset) cannot
    // capture a binding in a lambda.
    const std::string& key = item.key();
    const auto known = [&](const auto& words) {
      return std::find(words.begin(), words.end(), key) != words.end();
    };
    if (!known(k_annotations) && !known(k_assertions)) {
      return fail(ErrorKind::unsupported, "schema: keyword " + key + " is not implemented");
    }
  }
  return {};
}

// type, const, enum, pattern, minimum: the value itself.
Result<void> check_scalar(const ojson& v, const ojson& schema, const std::string& path) {
  if (schema.contains("type") && !has_type(v, schema["type"].get<std::string>())) {
    return invalid(path, "must be of type " + schema["type"].get<std::string>());
  }
  if (schema.contains("const") && v != schema["const"]) {
    return invalid(path, "must be " + schema["const"].dump());
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), v) == schema["enum"].end()) {
    return invalid(path, "not one of the schema's words");
  }
  if (schema.contains("pattern") && v.is_string() &&
      !std::regex_search(v.get_ref<const std::string&>(),
                         std::regex(schema["pattern"].get<std::string>()))) {
    return invalid(path, "does not match " + schema["pattern"].get<std::string>());
  }
  if (schema.contains("minimum") && v.is_number() && v < schema["minimum"]) {
    return invalid(path, "below the minimum " + schema["minimum"].dump());
  }
  return {};
}

Result<void> check_object(const ojson& v, const ojson& schema, const std::string& path) {
  for (const auto& name : schema.value("required", ojson::array())) {
    if (!v.contains(name.get<std::string>())) {
      return invalid(path, "missing " + name.get<std::string>());
    }
  }
  const ojson properties = schema.value("properties", ojson::object());
  for (const auto& [key, item] : v.items()) {
    if (schema.contains("propertyNames")) {
      if (!check(ojson(key), schema["propertyNames"], path)) {
        return invalid(path, "a key the schema does not allow");  // the key is not echoed
      }
    }
    if (properties.contains(key)) {
      if (auto ok = check(item, properties[key], at(path, key)); !ok) {
        return ok;
      }
      continue;
    }
    const ojson extra = schema.value("additionalProperties", ojson(true));
    if (extra.is_boolean()) {
      if (!extra.get<bool>()) {
        return invalid(path, "a property the schema does not allow");
      }
    } else if (auto ok = check(item, extra, path + "[key]"); !ok) {
      return ok;
    }
  }
  return {};
}

Result<void> check_array(const ojson& v, const ojson& schema, const std::string& path) {
  if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<std::size_t>()) {
    return invalid(path, "more than " + schema["maxItems"].dump() + " items");
  }
  if (schema.contains("items")) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (auto ok = check(v[i], schema["items"], path + "[" + std::to_string(i) + "]"); !ok) {
        return ok;
      }
    }
  }
  return {};
}

Result<void> check(const ojson& v, const ojson& schema, const std::string& path) {
  if (auto ok = check_keywords_known(schema); !ok) {
    return ok;
  }
  if (auto ok = check_scalar(v, schema, path); !ok) {
    return ok;
  }
  if (v.is_object()) {
    return check_object(v, schema, path);
  }
  if (v.is_array()) {
    return check_array(v, schema, path);
  }
  return {};
}

const ojson& parsed_schema() {
  static const ojson schema = ojson::parse(enforcement_schema(), nullptr, false);
  return schema;
}

std::size_t count(const ojson& object, std::string_view key) {
  return object.at(std::string(key)).get<std::size_t>();
}

// The workload counts are optional (reports written before templates were judged lack
// them): absent is zero.
std::size_t count_or_zero(const ojson& object, std::string_view key) {
  return object.contains(std::string(key)) ? count(object, key) : 0;
}

// The workload figures of one report: namespaces add up, the list agrees with its count.
Result<void> check_workload_arithmetic(const ojson& r) {
  const ojson& tierb = r["tierB"];
  for (const auto key : {"workloads", "workloadsWouldRefuse"}) {
    std::size_t sum = 0;
    for (const auto& ns : r["namespaces"]) {
      sum += count_or_zero(ns, key);
    }
    if (sum != count_or_zero(tierb, key)) {
      return invalid("report.namespaces",
                     "the " + std::string(key) + " of the namespaces do not add up to tierB's");
    }
  }
  const std::size_t refused = count_or_zero(tierb, "workloadsWouldRefuse");
  if (refused > count_or_zero(tierb, "workloads")) {
    return invalid("report.tierB", "workloadsWouldRefuse exceeds workloads");
  }
  const std::size_t listed = r.contains("workloads") ? r["workloads"].size() : 0;
  const bool truncated = r.value("workloadsTruncated", false);
  if (truncated ? listed > refused : listed != refused) {
    return invalid("report.workloads", "not as many as tierB.workloadsWouldRefuse");
  }
  return {};
}

// What the schema cannot say: the counts of one report must agree (src/enforce/tierb.cpp
// build_preflight). A report that contradicts itself is not served as figures.
Result<void> check_arithmetic(const ojson& r) {
  const ojson& nodes = r["nodes"];
  std::size_t ineligible = 0;
  for (const auto& [reason, n] : nodes["ineligibleByReason"].items()) {
    ineligible += n.get<std::size_t>();
  }
  if (count(nodes, "eligible") + ineligible != count(nodes, "total")) {
    return invalid("report.nodes", "eligible and ineligibleByReason do not add up to total");
  }
  const ojson& tierb = r["tierB"];
  if (r["namespaces"].size() != count(tierb, "namespaces")) {
    return invalid("report.namespaces", "not as many as tierB.namespaces");
  }
  std::array<std::size_t, 3> sums{};
  constexpr std::array<std::string_view, 3> k_summed = {"pods", "wouldRefuse", "onIneligibleNodes"};
  for (const auto& ns : r["namespaces"]) {
    for (std::size_t i = 0; i < sums.size(); ++i) {
      sums[i] += count(ns, k_summed[i]);
    }
  }
  for (std::size_t i = 0; i < sums.size(); ++i) {
    if (sums[i] != count(tierb, k_summed[i])) {
      return invalid("report.namespaces", "the " + std::string(k_summed[i]) +
                                              " of the namespaces do not add up to tierB's");
    }
  }
  for (const auto key : {"wouldRefuse", "onIneligibleNodes", "mirrorPods"}) {
    if (count(tierb, key) > count(tierb, "pods")) {
      return invalid("report.tierB", std::string(key) + " exceeds pods");
    }
  }
  if (auto ok = check_workload_arithmetic(r); !ok) {
    return ok;
  }
  const bool pods_clear =
      count(tierb, "wouldRefuse") == 0 && count(tierb, "onIneligibleNodes") == 0;
  const bool workloads_clear = count_or_zero(tierb, "workloadsWouldRefuse") == 0;
  if (r["clear"].get<bool>() != (pods_clear && workloads_clear)) {
    return invalid("report.clear", pods_clear ? "contradicts tierB.workloadsWouldRefuse"
                                              : "contradicts tierB.wouldRefuse and "
                                                "tierB.onIneligibleNodes");
  }
  if (!parse_rfc3339(r["generatedAt"].get<std::string>())) {
    return invalid("report.generatedAt", "not a date and time");
  }
  return {};
}

EnforcementFigures figures_of(const ojson& r) {
  EnforcementFigures f;
  f.mode = r["mode"].get<std::string>();
  f.clear = r["clear"].get<bool>();
  f.nodes = count(r["nodes"], "total");
  f.eligible_nodes = count(r["nodes"], "eligible");
  f.tierb_pods = count(r["tierB"], "pods");
  f.would_refuse = count(r["tierB"], "wouldRefuse");
  f.on_ineligible_nodes = count(r["tierB"], "onIneligibleNodes");
  return f;
}

}  // namespace

std::string_view to_string(ReportStatus status) {
  switch (status) {
    case ReportStatus::pending:
      return "pending";
    case ReportStatus::absent:
      return "absent";
    case ReportStatus::valid:
      return "valid";
    case ReportStatus::invalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view to_string(ReportSource source) {
  switch (source) {
    case ReportSource::configmap:
      return "configmap";
    case ReportSource::file:
      return "file";
    case ReportSource::none:
      return "none";
  }
  return "none";
}

Result<void> check_against_schema(const ojson& instance, const ojson& schema) {
  return check(instance, schema, "report");
}

Result<ojson> parse_enforcement_report(std::string_view bytes) {
  if (bytes.size() > k_max_enforcement_report_bytes) {
    return fail(ErrorKind::bad_input,
                "report: larger than " + std::to_string(k_max_enforcement_report_bytes) + " bytes");
  }
  auto report = ojson::parse(bytes, nullptr, false);
  if (report.is_discarded()) {
    return fail(ErrorKind::bad_input, "report: not JSON");
  }
  if (parsed_schema().is_discarded()) {
    return fail(ErrorKind::unsupported, "schema/enforcement.v1.schema.json: not JSON");
  }
  if (auto ok = check_against_schema(report, parsed_schema()); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_arithmetic(report); !ok) {
    return tl::unexpected(ok.error());
  }
  return report;
}

EnforcementReports::EnforcementReports(ReportSource source)
    : m_source(source), m_view(std::make_shared<EnforcementView>()) {
  publish(ReportStatus::pending, ojson(), "the source has not been read yet", "p");
}

void EnforcementReports::set_bytes(std::string_view bytes) {
  std::string key = "b:" + std::string(bytes);
  {
    const std::lock_guard lock(m_mutex);
    if (key == m_key) {
      return;  // a re-list or a re-read of the same report
    }
  }
  auto report = parse_enforcement_report(bytes);
  if (!report) {
    publish(ReportStatus::invalid, ojson(), report.error().message, std::move(key));
    return;
  }
  publish(ReportStatus::valid, *report, {}, std::move(key));
}

void EnforcementReports::set_absent(std::string reason) {
  std::string key = "a:" + reason;
  publish(ReportStatus::absent, ojson(), std::move(reason), std::move(key));
}

void EnforcementReports::set_invalid(std::string reason) {
  std::string key = "i:" + reason;
  publish(ReportStatus::invalid, ojson(), std::move(reason), std::move(key));
}

std::shared_ptr<const EnforcementView> EnforcementReports::current() const {
  const std::lock_guard lock(m_mutex);
  return m_view;
}

void EnforcementReports::on_change(std::function<void(std::uint64_t)> listener) {
  const std::lock_guard lock(m_listener_mutex);
  m_listener = std::move(listener);
}

void EnforcementReports::publish(ReportStatus status, const ojson& report, std::string reason,
                                 std::string key) {
  std::uint64_t revision = 0;
  {
    const std::lock_guard lock(m_mutex);
    if (key == m_key) {
      return;
    }
    auto view = std::make_shared<EnforcementView>();
    view->revision = revision = m_view->revision + 1;
    view->status = status;
    view->source = m_source;
    ojson body;
    body["revision"] = view->revision;
    body["status"] = to_string(status);
    body["source"] = to_string(m_source);
    if (status == ReportStatus::valid) {
      view->figures = figures_of(report);
      body["report"] = report;
    } else {
      body["reason"] = std::move(reason);
    }
    view->body = body.dump();
    m_view = std::move(view);
    m_key = std::move(key);
  }
  // Held while the listener runs: on_change(nullptr) returns only once no call is running.
  const std::lock_guard lock(m_listener_mutex);
  if (m_listener) {
    m_listener(revision);
  }
}

}  // namespace ztp::fleet
