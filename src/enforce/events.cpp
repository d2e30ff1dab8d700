#include "enforce/events.h"

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/rfc3339.h"
#include "k8s/configmap_client.h"

namespace ztp::enforce {
namespace {

// Names are at most 253 characters (RFC 1123 subdomain); leave room for ".<16 hex>".
constexpr std::size_t k_max_name_prefix = 236;

std::string event_name(const std::string& object, std::chrono::system_clock::time_point now) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(ns.count()));
  return object.substr(0, k_max_name_prefix) + "." + hex;
}

// MicroTime: RFC 3339 with exactly six fractional digits (apimachinery RFC3339Micro).
std::string micro_time(std::chrono::system_clock::time_point now) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - seconds);
  std::string text = format_rfc3339(seconds);
  char fraction[24];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros.count()));
  text.insert(text.size() - 1, fraction);  // before the "Z"
  return text;
}

}  // namespace

EventRecord node_event(const std::string& node, const Verdict& verdict) {
  EventRecord e;
  e.namespace_name = std::string(k_node_event_namespace);
  e.kind = "Node";
  e.object_name = node;
  if (verdict.eligible) {
    e.type = "Normal";
    e.reason = "TierBEligible";
    e.note = "node is now eligible for Tier B: label " + std::string(k_cc_label) + "=true set";
  } else {
    e.type = "Warning";
    e.reason = "TierBIneligible";
    e.note = "node is not eligible for Tier B (" + std::string(to_string(verdict.reason)) +
             "): label " + std::string(k_cc_label) + " removed";
  }
  return e;
}

std::vector<EventRecord> PodEventMemory::changes(const Preflight& preflight,
                                                 const Verdicts& verdicts) {
  std::vector<EventRecord> out;
  std::set<std::string> now;
  for (const auto& f : preflight.findings) {
    if (!f.on_ineligible_node) {
      continue;
    }
    const std::string key = f.namespace_name + "/" + f.name + "@" + f.node;
    now.insert(key);
    if (m_reported.contains(key)) {
      continue;
    }
    const auto v = verdicts.find(f.node);
    const std::string why =
        v == verdicts.end() ? "no-cc-document" : std::string(to_string(v->second.reason));
    EventRecord e;
    e.namespace_name = f.namespace_name;
    e.kind = "Pod";
    e.object_namespace = f.namespace_name;
    e.object_name = f.name;
    e.type = "Warning";
    e.reason = "TierBPodOnIneligibleNode";
    e.note =
        "Tier B pod runs on node " + f.node + ", which is not eligible for Tier B (" + why + ")";
    out.push_back(std::move(e));
  }
  m_reported = std::move(now);
  return out;
}

std::string event_body(const EventRecord& event, std::chrono::system_clock::time_point now,
                       const std::string& instance) {
  nlohmann::ordered_json j;
  j["apiVersion"] = "events.k8s.io/v1";
  j["kind"] = "Event";
  j["metadata"] = {{"name", event_name(event.object_name, now)},
                   {"namespace", event.namespace_name}};
  j["eventTime"] = micro_time(now);
  j["reportingController"] = std::string(k_reporting_controller);
  j["reportingInstance"] = instance.substr(0, 128);
  j["action"] = "Reconcile";
  j["reason"] = event.reason;
  j["type"] = event.type;
  j["note"] = event.note;
  nlohmann::ordered_json regarding = {{"apiVersion", "v1"}, {"kind", event.kind}};
  if (!event.object_namespace.empty()) {
    regarding["namespace"] = event.object_namespace;
  }
  regarding["name"] = event.object_name;
  j["regarding"] = regarding;
  return j.dump();
}

Result<void> emit_event(k8s::ApiClient& api, const EventRecord& event,
                        std::chrono::system_clock::time_point now, const std::string& instance) {
  const std::string body = event_body(event, now, instance);
  const auto name = nlohmann::json::parse(body)["metadata"]["name"].get<std::string>();
  const auto r =
      api.apply("/apis/events.k8s.io/v1/namespaces/" + k8s::query_escape(event.namespace_name) +
                    "/events/" + k8s::query_escape(name),
                body, "ztp-prem-enforce");
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (r->status != 200 && r->status != 201) {
    return fail(r->status == 403 ? ErrorKind::permission_denied : ErrorKind::io_error,
                "event " + event.reason + ": " + k8s::describe(*r));
  }
  return {};
}

}  // namespace ztp::enforce
