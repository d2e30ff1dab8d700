#pragma once
// What the admission policies of deploy/with-enforcement decide about a Tier B pod, said
// in C++ for the preflight and the reports (the CEL there only tests the same two things:
// runtime class / selector present, and membership of a node in the eligible list).
// tests/e2e/enforce_test.py checks both agree on the real API server.

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "enforce/eligibility.h"
#include "k8s/objects.h"
#include "vocabulary/vocabulary.gen.h"

namespace ztp::enforce {

// Interface names (issue 17): keep them, users' scripts depend on them.
inline constexpr std::string_view k_tier_label = "ztp-prem.tlsstress.art/tier";
inline constexpr std::string_view k_tier_b = "b";
inline constexpr std::string_view k_cc_label =
    "ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc";
inline constexpr std::string_view k_runtime_class = "ztp-prem-cc";
// Runtime classes whose pods are accepted as placed: ours, and Confidential Containers'
// classes, whose pod is its own TEE (kata-deploy runtimeclasses/kata-qemu-*.yaml).
inline constexpr std::array<std::string_view, 5> k_accepted_runtime_classes = {
    "ztp-prem-cc", "kata-qemu-snp", "kata-qemu-tdx", "kata-qemu-se", "kata-qemu-cca"};
// The kubelet's mark on the API copy of a static pod: never denied (denying hides the
// static pod from the API, it does not stop it), only reported.
inline constexpr std::string_view k_mirror_annotation = "kubernetes.io/config.mirror";
// Namespaces no policy of ours ever touches.
inline constexpr std::array<std::string_view, 2> k_exempt_namespaces = {"kube-system", "ztp-prem"};

using Mode = vocab::EnforcementMode;  // envelope.v1 "enforcement" (generated)
using vocab::to_string;

// The eligible nodes, as the controller published them (node -> verdict).
using Verdicts = std::map<std::string, Verdict, std::less<>>;

enum class PodIssue {
  none,
  no_placement,          // neither an accepted runtime class nor the cc=true nodeSelector
  node_name_ineligible,  // spec.nodeName set (at create) to a node that is not eligible
  bound_to_ineligible,   // running or bound on a node that is not eligible
  no_parameters,         // no shard is published: enforcing denies every Tier B pod
};
std::string_view to_string(PodIssue issue);

struct PodFinding {
  std::string namespace_name;
  std::string name;
  std::string node;  // empty while unscheduled
  bool mirror = false;
  // Enforcing would refuse this pod were it created again now.
  bool would_refuse = false;
  bool on_ineligible_node = false;
  std::vector<PodIssue> issues;
  std::string why;  // one line: the first issue in words, with the node's reason
};

// A Tier B pod against the verdicts (mirror pods are judged but never "refused").
// params_present false: no shard exists, and enforcing's parameterNotFoundAction Deny
// refuses every Tier B pod.
PodFinding check_pod(const k8s::PodObject& pod, const Verdicts& verdicts,
                     bool params_present = true);
bool placement_constrained(const k8s::PodObject& pod);

// The workload kinds whose pod templates preflight judges, and the owner kind that makes
// one redundant (a Deployment's ReplicaSets, a CronJob's Jobs: the owner is reported).
struct WorkloadKind {
  std::string_view kind;
  std::string_view skipped_when_owned_by;  // empty: always judged
};
inline constexpr std::array<WorkloadKind, 6> k_workload_kinds = {{{"Deployment", ""},
                                                                  {"ReplicaSet", "Deployment"},
                                                                  {"StatefulSet", ""},
                                                                  {"DaemonSet", ""},
                                                                  {"Job", "CronJob"},
                                                                  {"CronJob", ""}}};

struct WorkloadFinding {
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::vector<PodIssue> issues;  // no-placement, node-name-ineligible, no-parameters
  std::string why;
  // Every issue of a template is a refusal at pod create in enforcing mode.
  bool would_refuse() const { return !issues.empty(); }
};

// True when the workload's owner is judged in its place (k_workload_kinds).
bool judged_through_owner(const k8s::WorkloadObject& workload);
// A pod template as the create policy would judge a pod made from it (never bound yet).
WorkloadFinding check_workload(const k8s::WorkloadObject& workload, const Verdicts& verdicts,
                               bool params_present = true);

struct NamespaceCounts {
  std::size_t pods = 0;
  std::size_t would_refuse = 0;
  std::size_t on_ineligible_nodes = 0;
  std::size_t workloads = 0;
  std::size_t workloads_would_refuse = 0;
};

struct Preflight {
  std::string generated_at;  // RFC 3339 UTC
  std::string mode;          // the mode in force, or "unknown" when it could not be read
  std::size_t nodes = 0;
  std::size_t eligible_nodes = 0;
  std::map<std::string, std::size_t> ineligible_by_reason;
  std::size_t tierb_namespaces = 0;
  std::size_t tierb_pods = 0;
  std::size_t would_refuse = 0;
  std::size_t on_ineligible_nodes = 0;
  std::size_t mirror_pods = 0;
  std::map<std::string, NamespaceCounts> namespaces;
  std::vector<PodFinding> findings;  // pods with at least one issue, by namespace/name
  bool findings_truncated = false;
  std::size_t tierb_workloads = 0;  // templates judged (owned ReplicaSets and Jobs not counted)
  std::size_t workloads_would_refuse = 0;
  std::vector<WorkloadFinding> workloads;  // templates that would be refused, capped
  bool workloads_truncated = false;
  // Zero: enforcing refuses nothing now (ztp-prem-enforce preflight exits 0).
  bool clear() const {
    return would_refuse == 0 && on_ineligible_nodes == 0 && workloads_would_refuse == 0;
  }
};

// The findings and workloads lists are capped (the report lives in a ConfigMap); the counts
// never are.
inline constexpr std::size_t k_max_findings = 200;

// nodes: every Node name in the cluster (a verdict for a name not listed is ignored).
Preflight build_preflight(const std::vector<std::string>& nodes, const Verdicts& verdicts,
                          const std::vector<std::string>& tierb_namespaces,
                          const std::vector<k8s::PodObject>& pods, std::string mode,
                          std::string generated_at, bool params_present = true);

// Judges the workloads of Tier B namespaces into p (others, and exempt ones, are skipped).
void add_workloads(Preflight& p, const std::vector<k8s::WorkloadObject>& workloads,
                   const Verdicts& verdicts, bool params_present = true);

// schema/enforcement.v1.schema.json
std::string preflight_json(const Preflight& p);
std::string preflight_text(const Preflight& p);

}  // namespace ztp::enforce
