#pragma once
// What ztp-prem-enforce reads from and writes to the API server, one function per object
// kind, over k8s::ApiClient. Writes are server-side apply under the field manager
// "ztp-prem-enforce" (k_field_manager), except where a JSON merge patch is the only way
// (removing a label someone else set; replacing a set-typed list another manager owns).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "enforce/param_shards.h"
#include "enforce/tierb.h"
#include "fleet/enforcement_report.h"
#include "k8s/api_client.h"
#include "k8s/objects.h"

namespace ztp::enforce {

inline constexpr std::string_view k_field_manager = "ztp-prem-enforce";
// The report's ConfigMap, as the fleet service reads it (one contract, one definition).
inline constexpr std::string_view k_report_configmap = fleet::k_enforcement_configmap;
inline constexpr std::string_view k_report_key = fleet::k_enforcement_key;
inline constexpr std::string_view k_create_binding = "ztp-prem-tierb-create";
inline constexpr std::string_view k_bind_binding = "ztp-prem-tierb-bind";

Result<std::vector<k8s::ObjectMeta>> list_nodes(k8s::ApiClient& api);
// Namespaces labelled ztp-prem.tlsstress.art/tier=b (exempt ones included; callers skip).
Result<std::vector<std::string>> list_tierb_namespaces(k8s::ApiClient& api);
Result<std::vector<k8s::PodObject>> list_pods(k8s::ApiClient& api, const std::string& ns);
// The workloads of every kind in k_workload_kinds (apps/v1, batch/v1) in one namespace.
Result<std::vector<k8s::WorkloadObject>> list_workloads(k8s::ApiClient& api, const std::string& ns);

// Sets (SSA) or removes (merge patch to null) the restricted label on one node.
Result<void> set_cc_label(k8s::ApiClient& api, const std::string& node, bool eligible);

// The shards now in the namespace: name -> data (eligible node -> tee).
Result<std::map<std::string, std::map<std::string, std::string>>> read_shards(
    k8s::ApiClient& api, const std::string& ns);
// Applies every planned shard, then deletes shards the plan no longer has. Returns how
// many objects it wrote.
Result<std::size_t> write_shards(k8s::ApiClient& api, const std::string& ns,
                                 const std::vector<ParamShard>& plan,
                                 const std::vector<std::string>& existing);
// The apply body of one shard (exposed for the benchmark's size figures).
std::string shard_body(const std::string& ns, const ParamShard& shard);

Result<void> write_report(k8s::ApiClient& api, const std::string& ns, const std::string& json);

// The mode in force, from the two bindings as the server has them.
struct BindingState {
  std::string name;
  bool present = false;
  std::vector<std::string> actions;
  std::string not_found_action;
};
struct ModeState {
  BindingState create;
  BindingState bind;
  // "advisory", "enforcing", "mixed" (the bindings disagree), "absent" (not installed).
  std::string mode;
};
Result<ModeState> read_mode(k8s::ApiClient& api);
// The flip: each binding whose fields differ is applied (SSA, force); a line per object
// changed ("validatingadmissionpolicybinding/<name>: validationActions [..] -> [..], ...").
Result<std::vector<std::string>> set_mode(k8s::ApiClient& api, Mode mode);

}  // namespace ztp::enforce
