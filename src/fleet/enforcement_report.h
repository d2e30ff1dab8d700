#pragma once
// The Tier B preflight report on the fleet service (docs/enforcement.md, docs/fleet-api.md
// "GET /api/v1/enforcement"): what `ztp-prem-enforce` published (ConfigMap
// ztp-prem-enforcement, key report.json) or what an operator wrote into the source
// directory (enforcement.json). The fleet only relays it, after checking it against
// schema/enforcement.v1.schema.json and its own arithmetic: an invalid report is served as
// "invalid" with the reason, never as figures.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::fleet {

// The controller's publication contract (src/enforce/cluster.h uses these names).
inline constexpr std::string_view k_enforcement_configmap = "ztp-prem-enforcement";
inline constexpr std::string_view k_enforcement_key = "report.json";
// --source dir:PATH: the report's file in that directory (written by
// `ztp-prem-enforce preflight --format json`, then renamed into place).
inline constexpr std::string_view k_enforcement_file = "enforcement.json";
// A ConfigMap holds at most 1 MiB; a report is far smaller (200 findings at most).
inline constexpr std::size_t k_max_enforcement_report_bytes = 1024 * 1024;

// schema/fleet-openapi.v1.json "Enforcement.status".
enum class ReportStatus { pending, absent, valid, invalid };
std::string_view to_string(ReportStatus status);
// "Enforcement.source": where this service reads a report from.
enum class ReportSource { configmap, file, none };
std::string_view to_string(ReportSource source);

// The embedded schema/enforcement.v1.schema.json (generated at build).
std::string_view enforcement_schema();

// Checks an instance against a JSON Schema that uses only type, const, enum, pattern,
// minimum, maxItems, required, properties, additionalProperties, propertyNames and items
// (annotations ignored). A keyword outside that set is an error (unsupported), so a schema edit
// that needs more cannot pass unnoticed. Reasons name the place ("nodes.eligible") and
// the rule, never a value of the instance (a planted identifier is never echoed).
Result<void> check_against_schema(const nlohmann::ordered_json& instance,
                                  const nlohmann::ordered_json& schema);

// A report: valid JSON, the schema, and the counts agreeing with each other.
Result<nlohmann::ordered_json> parse_enforcement_report(std::string_view bytes);

// The figures /metrics exports from a valid report.
struct EnforcementFigures {
  std::string mode;
  bool clear = false;
  std::size_t nodes = 0;
  std::size_t eligible_nodes = 0;
  std::size_t tierb_pods = 0;
  std::size_t would_refuse = 0;
  std::size_t on_ineligible_nodes = 0;
};

// What GET /api/v1/enforcement serves now; immutable once published.
struct EnforcementView {
  std::uint64_t revision = 0;  // +1 on every change of what is served
  ReportStatus status = ReportStatus::pending;
  ReportSource source = ReportSource::none;
  std::optional<EnforcementFigures> figures;  // valid only
  std::string body;                           // the response, rendered once
};

// The current report of one source, shared by the source's thread (writer) and the HTTP
// handlers (readers, by pointer, as with Snapshot). Thread-safe.
class EnforcementReports {
 public:
  explicit EnforcementReports(ReportSource source);
  EnforcementReports(const EnforcementReports&) = delete;
  EnforcementReports& operator=(const EnforcementReports&) = delete;

  // The report's bytes as read; the same bytes again change nothing.
  void set_bytes(std::string_view bytes);
  // There is no report (reason says where it was looked for), or it cannot be read.
  void set_absent(std::string reason);
  void set_invalid(std::string reason);

  std::shared_ptr<const EnforcementView> current() const;
  // Called (outside the lock) with the new revision after every change; one listener.
  void on_change(std::function<void(std::uint64_t)> listener);

 private:
  void publish(ReportStatus status, const nlohmann::ordered_json& report, std::string reason,
               std::string key);

  const ReportSource m_source;
  mutable std::mutex m_mutex;  // m_view, m_key
  std::shared_ptr<const EnforcementView> m_view;
  std::string m_key;  // what the current view was made from (unchanged input: no change)
  std::mutex m_listener_mutex;
  std::function<void(std::uint64_t)> m_listener;
};

}  // namespace ztp::fleet
