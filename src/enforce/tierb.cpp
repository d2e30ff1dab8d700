#include "enforce/tierb.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fleet/vocabulary.h"

namespace ztp::enforce {
namespace {

const Verdict* verdict_for(const Verdicts& verdicts, std::string_view node) {
  const auto it = verdicts.find(node);
  return it == verdicts.end() ? nullptr : &it->second;
}

std::string node_reason(const Verdicts& verdicts, std::string_view node) {
  const Verdict* v = verdict_for(verdicts, node);
  return v == nullptr ? "no verdict (no documents)" : std::string(to_string(v->reason));
}

bool eligible(const Verdicts& verdicts, std::string_view node) {
  const Verdict* v = verdict_for(verdicts, node);
  return v != nullptr && v->eligible;
}

}  // namespace

std::string_view to_string(PodIssue issue) {
  switch (issue) {
    case PodIssue::none:
      return "none";
    case PodIssue::no_placement:
      return "no-placement";
    case PodIssue::node_name_ineligible:
      return "node-name-ineligible";
    case PodIssue::bound_to_ineligible:
      return "bound-to-ineligible";
    case PodIssue::no_parameters:
      return "no-parameters";
  }
  return "none";
}

namespace {

nlohmann::ordered_json issue_words(const std::vector<PodIssue>& issues) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto i : issues) {
    out.push_back(to_string(i));
  }
  return out;
}

}  // namespace

bool placement_constrained(const k8s::PodObject& pod) {
  const bool runtime =
      std::find(k_accepted_runtime_classes.begin(), k_accepted_runtime_classes.end(),
                pod.runtime_class) != k_accepted_runtime_classes.end();
  const auto sel = pod.node_selector.find(std::string(k_cc_label));
  return runtime || (sel != pod.node_selector.end() && sel->second == "true");
}

namespace {

// The create policy's checks (deploy/with-enforcement/policies.yaml, ztp-prem-tierb-create),
// in its order; a pod (not a template) with nodeName set is also bound there.
struct CreateCheck {
  std::vector<PodIssue> issues;
  std::string why;
  bool on_ineligible_node = false;
};

CreateCheck create_check(const k8s::PodObject& pod, const Verdicts& verdicts, bool params_present,
                         bool is_pod) {
  CreateCheck c;
  if (!placement_constrained(pod)) {
    c.issues.push_back(PodIssue::no_placement);
    c.why = "no runtimeClassName " + std::string(k_runtime_class) + " (or a CoCo class) and no " +
            std::string(k_cc_label) + "=true nodeSelector";
  }
  if (!pod.node_name.empty() && !eligible(verdicts, pod.node_name)) {
    // A pod created with nodeName set is checked at create; a scheduled one was bound.
    c.issues.push_back(PodIssue::node_name_ineligible);
    if (is_pod) {
      c.issues.push_back(PodIssue::bound_to_ineligible);
      c.on_ineligible_node = true;
    }
    if (c.why.empty()) {
      c.why = "node " + pod.node_name + " is not eligible: " + node_reason(verdicts, pod.node_name);
    }
  }
  if (!params_present) {
    c.issues.push_back(PodIssue::no_parameters);
    if (c.why.empty()) {
      c.why = "no eligible-node shards published (is ztp-prem-enforce controller running?)";
    }
  }
  return c;
}

}  // namespace

PodFinding check_pod(const k8s::PodObject& pod, const Verdicts& verdicts, bool params_present) {
  PodFinding f;
  f.namespace_name = pod.meta.namespace_name;
  f.name = pod.meta.name;
  f.node = pod.node_name;
  f.mirror = pod.meta.annotations.count(std::string(k_mirror_annotation)) != 0;
  auto c = create_check(pod, verdicts, params_present, true);
  f.issues = std::move(c.issues);
  f.why = std::move(c.why);
  f.on_ineligible_node = c.on_ineligible_node;
  f.would_refuse = !f.mirror && !f.issues.empty();
  return f;
}

bool judged_through_owner(const k8s::WorkloadObject& workload) {
  for (const auto& k : k_workload_kinds) {
    if (k.kind == workload.kind && !k.skipped_when_owned_by.empty()) {
      const auto& owners = workload.meta.owner_kinds;
      return std::find(owners.begin(), owners.end(), k.skipped_when_owned_by) != owners.end();
    }
  }
  return false;
}

WorkloadFinding check_workload(const k8s::WorkloadObject& workload, const Verdicts& verdicts,
                               bool params_present) {
  WorkloadFinding f;
  f.kind = workload.kind;
  f.namespace_name = workload.meta.namespace_name;
  f.name = workload.meta.name;
  auto c = create_check(workload.pod_template, verdicts, params_present, false);
  f.issues = std::move(c.issues);
  f.why = std::move(c.why);
  return f;
}

void add_workloads(Preflight& p, const std::vector<k8s::WorkloadObject>& workloads,
                   const Verdicts& verdicts, bool params_present) {
  for (const auto& w : workloads) {
    const auto ns = p.namespaces.find(w.meta.namespace_name);
    if (ns == p.namespaces.end() || judged_through_owner(w)) {
      continue;  // not Tier B, exempt, or reported through its owner
    }
    WorkloadFinding f = check_workload(w, verdicts, params_present);
    ++p.tierb_workloads;
    ++ns->second.workloads;
    if (!f.would_refuse()) {
      continue;
    }
    ++p.workloads_would_refuse;
    ++ns->second.workloads_would_refuse;
    if (p.workloads.size() < k_max_findings) {
      p.workloads.push_back(std::move(f));
    } else {
      p.workloads_truncated = true;
    }
  }
}

Preflight build_preflight(const std::vector<std::string>& nodes, const Verdicts& verdicts,
                          const std::vector<std::string>& tierb_namespaces,
                          const std::vector<k8s::PodObject>& pods, std::string mode,
                          std::string generated_at, bool params_present) {
  Preflight p;
  p.generated_at = std::move(generated_at);
  p.mode = std::move(mode);
  p.nodes = nodes.size();
  for (const auto& n : nodes) {
    const Verdict* v = verdict_for(verdicts, n);
    if (v != nullptr && v->eligible) {
      ++p.eligible_nodes;
    } else {
      ++p.ineligible_by_reason[v == nullptr ? "no-cc-document" : std::string(to_string(v->reason))];
    }
  }
  for (const auto& ns : tierb_namespaces) {
    if (std::find(k_exempt_namespaces.begin(), k_exempt_namespaces.end(), ns) ==
        k_exempt_namespaces.end()) {
      p.namespaces[ns];
      ++p.tierb_namespaces;
    }
  }
  for (const auto& pod : pods) {
    const auto ns = p.namespaces.find(pod.meta.namespace_name);
    if (ns == p.namespaces.end()) {
      continue;  // not Tier B, or exempt
    }
    const PodFinding f = check_pod(pod, verdicts, params_present);
    ++p.tierb_pods;
    ++ns->second.pods;
    p.mirror_pods += f.mirror ? 1U : 0U;
    if (f.would_refuse) {
      ++p.would_refuse;
      ++ns->second.would_refuse;
    }
    if (f.on_ineligible_node) {
      ++p.on_ineligible_nodes;
      ++ns->second.on_ineligible_nodes;
    }
    if (!f.issues.empty()) {
      if (p.findings.size() < k_max_findings) {
        p.findings.push_back(f);
      } else {
        p.findings_truncated = true;
      }
    }
  }
  return p;
}

std::string preflight_json(const Preflight& p) {
  nlohmann::ordered_json j;
  j["apiVersion"] = "ztp-prem.tlsstress.art/v1";
  j["kind"] = "EnforcementPreflight";
  j["generatedAt"] = p.generated_at;
  j["mode"] = p.mode;
  j["clear"] = p.clear();
  j["nodes"] = {{"total", p.nodes},
                {"eligible", p.eligible_nodes},
                {"ineligibleByReason", p.ineligible_by_reason}};
  j["tierB"] = {{"namespaces", p.tierb_namespaces},
                {"pods", p.tierb_pods},
                {"wouldRefuse", p.would_refuse},
                {"onIneligibleNodes", p.on_ineligible_nodes},
                {"mirrorPods", p.mirror_pods},
                {"workloads", p.tierb_workloads},
                {"workloadsWouldRefuse", p.workloads_would_refuse}};
  auto& per_ns = j["namespaces"] = nlohmann::ordered_json::array();
  for (const auto& [name, c] : p.namespaces) {
    per_ns.push_back({{"name", name},
                      {"pods", c.pods},
                      {"wouldRefuse", c.would_refuse},
                      {"onIneligibleNodes", c.on_ineligible_nodes},
                      {"workloads", c.workloads},
                      {"workloadsWouldRefuse", c.workloads_would_refuse}});
  }
  auto& findings = j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : p.findings) {
    findings.push_back({{"namespace", f.namespace_name},
                        {"pod", f.name},
                        {"node", f.node},
                        {"mirror", f.mirror},
                        {"wouldRefuse", f.would_refuse},
                        {"issues", issue_words(f.issues)},
                        {"why", f.why}});
  }
  j["findingsTruncated"] = p.findings_truncated;
  auto& workloads = j["workloads"] = nlohmann::ordered_json::array();
  for (const auto& w : p.workloads) {
    workloads.push_back({{"kind", w.kind},
                         {"namespace", w.namespace_name},
                         {"name", w.name},
                         {"issues", issue_words(w.issues)},
                         {"why", w.why}});
  }
  j["workloadsTruncated"] = p.workloads_truncated;
  return j.dump();
}

std::string preflight_text(const Preflight& p) {
  std::string out;
  out += "mode in force: " + p.mode + "\n";
  out += "nodes: " + std::to_string(p.nodes) +
         ", eligible for Tier B: " + std::to_string(p.eligible_nodes) + "\n";
  for (const auto& [reason, n] : p.ineligible_by_reason) {
    out += "  ineligible (" + reason + "): " + std::to_string(n) + "\n";
  }
  out += "Tier B namespaces: " + std::to_string(p.tierb_namespaces) +
         ", pods: " + std::to_string(p.tierb_pods) + "\n";
  out += "enforcing would refuse: " + std::to_string(p.would_refuse) +
         "; Tier B pods on ineligible nodes: " + std::to_string(p.on_ineligible_nodes) +
         "; mirror pods (reported, never refused): " + std::to_string(p.mirror_pods) + "\n";
  for (const auto& f : p.findings) {
    out += "  " + f.namespace_name + "/" + f.name + (f.mirror ? " (mirror)" : "") + ": " + f.why +
           "\n";
  }
  if (p.findings_truncated) {
    out += "  (more pods not listed; counts above are complete)\n";
  }
  out += "workload templates: " + std::to_string(p.tierb_workloads) +
         ", enforcing would refuse their pods: " + std::to_string(p.workloads_would_refuse) + "\n";
  for (const auto& w : p.workloads) {
    out += "  " + w.kind + " " + w.namespace_name + "/" + w.name + ": " + w.why + "\n";
  }
  if (p.workloads_truncated) {
    out += "  (more workloads not listed; counts above are complete)\n";
  }
  out += p.clear() ? "preflight: clear, enforcing would refuse nothing now\n"
                   : "preflight: NOT clear, fix the pods and workloads above before "
                     "`ztp-prem-enforce mode enforcing`\n";
  return out;
}

}  // namespace ztp::enforce
