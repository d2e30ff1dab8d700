#pragma once
// Kubernetes Events (events.k8s.io/v1) from the controller, so `kubectl describe node X` and
// `kubectl get events -n <tier-b ns>` say what changed: a Node that gained or lost Tier B
// eligibility (when the controller sets or removes its label), and a Tier B pod running on
// an ineligible node (once per pod and node, not every reconcile). The note carries only
// vocabulary and object names: the reason word of the verdict, never a document value.
// Best effort, as client-go's recorder: a refused Event is counted, never fails a reconcile.

#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "enforce/tierb.h"
#include "fleet/snapshot.h"
#include "k8s/api_client.h"

namespace ztp::enforce {

// events.k8s.io/v1 Event.reportingController.
inline constexpr std::string_view k_reporting_controller = "ztp-prem.tlsstress.art/enforce";
// Where Events about a Node (cluster-scoped) go, as the kubelet's do.
inline constexpr std::string_view k_node_event_namespace = "default";

struct EventRecord {
  std::string namespace_name;  // of the Event
  std::string kind;            // "Node" or "Pod"
  std::string object_namespace;
  std::string object_name;
  std::string type;    // "Normal" or "Warning"
  std::string reason;  // CamelCase, e.g. "TierBIneligible"
  std::string note;
};

// The Event for a node whose eligibility the controller just published.
EventRecord node_event(const std::string& node, const Verdict& verdict);

// Remembers which Tier B pods were last seen on ineligible nodes: only a pod newly there
// (or there on another node) gets an Event.
class PodEventMemory {
 public:
  std::vector<EventRecord> changes(const Preflight& preflight, const Verdicts& verdicts);

 private:
  std::set<std::string> m_reported;  // "<ns>/<pod>@<node>"
};

// The apply body of one Event (name: "<object>.<hex nanoseconds>", as client-go names them).
std::string event_body(const EventRecord& event, std::chrono::system_clock::time_point now,
                       const std::string& instance);
// Creates it (server-side apply: the controller's RBAC has events create and patch only).
Result<void> emit_event(k8s::ApiClient& api, const EventRecord& event,
                        std::chrono::system_clock::time_point now, const std::string& instance);

}  // namespace ztp::enforce
