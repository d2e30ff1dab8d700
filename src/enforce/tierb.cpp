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

bool placement_constrained(const k8s::PodObject& pod) {
  const bool runtime =
      std::find(k_accepted_runtime_classes.begin(), k_accepted_runtime_classes.end(),
                pod.runtime_class) != k_accepted_runtime_classes.end();
  const auto sel = pod.node_selector.find(std::string(k_cc_label));
  return runtime || (sel != pod.node_selector.end() && sel->second == "true");
}

PodFinding check_pod(const k8s::PodObject& pod, const Verdicts& verdicts, bool params_present) {
  PodFinding f;
  f.namespace_name = pod.meta.namespace_name;
  f.name = pod.meta.name;
  f.node = pod.node_name;
  f.mirror = pod.meta.annotations.count(std::string(k_mirror_annotation)) != 0;
  if (!placement_constrained(pod)) {
    f.issues.push_back(PodIssue::no_placement);
    f.why = "no runtimeClassName " + std::string(k_runtime_class) + " (or a CoCo class) and no " +
            std::string(k_cc_label) + "=true nodeSelector";
  }
  if (!pod.node_name.empty() && !eligible(verdicts, pod.node_name)) {
    // A pod created with nodeName set is checked at create; a scheduled one was bound.
    f.issues.push_back(PodIssue::node_name_ineligible);
    f.issues.push_back(PodIssue::bound_to_ineligible);
    f.on_ineligible_node = true;
    if (f.why.empty()) {
      f.why = "node " + pod.node_name + " is not eligible: " + node_reason(verdicts, pod.node_name);
    }
  }
  if (!params_present) {
    f.issues.push_back(PodIssue::no_parameters);
    if (f.why.empty()) {
      f.why = "no eligible-node shards published (is ztp-prem-enforce controller running?)";
    }
  }
  f.would_refuse = !f.mirror && !f.issues.empty();
  return f;
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
                {"mirrorPods", p.mirror_pods}};
  auto& per_ns = j["namespaces"] = nlohmann::ordered_json::array();
  for (const auto& [name, c] : p.namespaces) {
    per_ns.push_back({{"name", name},
                      {"pods", c.pods},
                      {"wouldRefuse", c.would_refuse},
                      {"onIneligibleNodes", c.on_ineligible_nodes}});
  }
  auto& findings = j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : p.findings) {
    nlohmann::ordered_json issues = nlohmann::ordered_json::array();
    for (const auto i : f.issues) {
      issues.push_back(to_string(i));
    }
    findings.push_back({{"namespace", f.namespace_name},
                        {"pod", f.name},
                        {"node", f.node},
                        {"mirror", f.mirror},
                        {"wouldRefuse", f.would_refuse},
                        {"issues", issues},
                        {"why", f.why}});
  }
  j["findingsTruncated"] = p.findings_truncated;
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
  out +=
      p.clear()
          ? "preflight: clear, enforcing would refuse nothing now\n"
          : "preflight: NOT clear, fix the pods above before `ztp-prem-enforce mode enforcing`\n";
  return out;
}

}  // namespace ztp::enforce
