#pragma once
// The few fields of Nodes, Namespaces, Pods and workloads the enforcement controller reads,
// parsed from list pages (v1 NodeList / NamespaceList / PodList, apps/v1 and batch/v1 lists). Pure
// functions on strings, fuzzed (fuzz/k8s_objects_fuzz.cpp): a list body is outside input.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::k8s {

struct ObjectMeta {
  std::string namespace_name;  // empty for cluster-scoped objects
  std::string name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> owner_kinds;  // metadata.ownerReferences[].kind
};

struct PodObject {
  ObjectMeta meta;
  std::string node_name;      // spec.nodeName; empty while unscheduled
  std::string runtime_class;  // spec.runtimeClassName
  std::map<std::string, std::string> node_selector;
  std::string phase;  // status.phase
};

// A workload's pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job:
// spec.template; CronJob: spec.jobTemplate.spec.template), as a pod made from it would be
// checked at create. kind is the caller's: list items carry none.
struct WorkloadObject {
  std::string kind;
  ObjectMeta meta;
  PodObject pod_template;  // its meta is the template's, named after the workload
};

template <typename T>
struct ObjectList {
  std::string continue_token;
  std::vector<T> items;
};

Result<ObjectList<ObjectMeta>> parse_meta_list(std::string_view body);  // nodes, namespaces
Result<ObjectList<PodObject>> parse_pod_list(std::string_view body);
// kind "CronJob" reads spec.jobTemplate.spec.template, any other spec.template.
Result<ObjectList<WorkloadObject>> parse_workload_list(std::string_view body,
                                                       std::string_view kind);

}  // namespace ztp::k8s
