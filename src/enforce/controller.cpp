#include "enforce/controller.h"

#include <unistd.h>

#include "fleet/status_document.h"

namespace ztp::enforce {

Verdicts verdicts_for(const std::vector<k8s::ObjectMeta>& nodes, const fleet::Snapshot& snapshot,
                      const Policy& policy, fleet::TimePoint now) {
  Verdicts out;
  for (const auto& n : nodes) {
    const fleet::Row* row = snapshot.find(n.name);
    // --require-attestation reads the verifier's verdict the model holds for the node.
    out.emplace(n.name, decide(row, policy, now, attestation_of(row)));
  }
  return out;
}

Result<Preflight> cluster_preflight(k8s::ApiClient& api, const std::vector<std::string>& nodes,
                                    const Verdicts& verdicts, bool params_present,
                                    fleet::TimePoint now) {
  auto namespaces = list_tierb_namespaces(api);
  if (!namespaces) {
    return tl::unexpected(namespaces.error());
  }
  std::vector<k8s::PodObject> pods;
  std::vector<k8s::WorkloadObject> workloads;
  for (const auto& ns : *namespaces) {
    if (std::find(k_exempt_namespaces.begin(), k_exempt_namespaces.end(), ns) !=
        k_exempt_namespaces.end()) {
      continue;
    }
    auto p = list_pods(api, ns);
    if (!p) {
      return tl::unexpected(p.error());
    }
    std::move(p->begin(), p->end(), std::back_inserter(pods));
    auto w = list_workloads(api, ns);
    if (!w) {
      return tl::unexpected(w.error());
    }
    std::move(w->begin(), w->end(), std::back_inserter(workloads));
  }
  auto mode = read_mode(api);
  Preflight p = build_preflight(nodes, verdicts, *namespaces, pods, mode ? mode->mode : "unknown",
                                fleet::format_rfc3339(now), params_present);
  add_workloads(p, workloads, verdicts, params_present);
  return p;
}

Result<ReconcileResult> Controller::reconcile(const fleet::Snapshot& snapshot) {
  ReconcileResult out;
  const auto now = m_clock.wall_now();
  auto nodes = list_nodes(m_api);
  if (!nodes) {
    return tl::unexpected(nodes.error());
  }
  const Verdicts verdicts = verdicts_for(*nodes, snapshot, m_policy, now);
  out.nodes = nodes->size();
  auto eligible = sync_labels(*nodes, verdicts, out);
  if (!eligible) {
    return tl::unexpected(eligible.error());
  }
  out.eligible = eligible->size();
  if (auto ok = sync_shards(std::move(*eligible), out); !ok) {
    return tl::unexpected(ok.error());
  }
  std::vector<std::string> names;
  for (const auto& n : *nodes) {
    names.push_back(n.name);
  }
  auto preflight = cluster_preflight(m_api, names, verdicts, true, now);
  if (!preflight) {
    return tl::unexpected(preflight.error());
  }
  if (auto ok = sync_report(*preflight); !ok) {
    return tl::unexpected(ok.error());
  }
  send_events(*preflight, verdicts, out);
  out.preflight = std::move(*preflight);
  return out;
}

void Controller::send_events(const Preflight& preflight, const Verdicts& verdicts,
                             ReconcileResult& out) {
  // The pod's name in a Deployment, the host name elsewhere: reportingInstance.
  char host[256] = {};
  const std::string instance =
      ::gethostname(host, sizeof host - 1) == 0 ? std::string(host) : std::string("unknown");
  auto events = std::move(m_node_events);
  m_node_events.clear();
  for (auto& e : m_pod_events.changes(preflight, verdicts)) {
    events.push_back(std::move(e));
  }
  for (const auto& e : events) {
    ++(emit_event(m_api, e, m_clock.wall_now(), instance) ? out.events : out.events_failed);
  }
}

Result<std::map<std::string, std::string>> Controller::sync_labels(
    const std::vector<k8s::ObjectMeta>& nodes, const Verdicts& verdicts, ReconcileResult& out) {
  // Labels: only where the node's label disagrees with its verdict.
  std::map<std::string, std::string> eligible;
  for (const auto& n : nodes) {
    const Verdict& v = verdicts.at(n.name);
    const auto label = n.labels.find(std::string(k_cc_label));
    const bool labelled = label != n.labels.end() && label->second == "true";
    const bool present = label != n.labels.end();
    if (v.eligible) {
      eligible.emplace(n.name, v.tee);
    }
    if (v.eligible != labelled || (!v.eligible && present)) {
      if (auto ok = set_cc_label(m_api, n.name, v.eligible); !ok) {
        return tl::unexpected(ok.error());
      }
      ++(v.eligible ? out.labels_set : out.labels_removed);
      // An Event only where eligibility changed (not for a stray non-"true" value removed).
      if (v.eligible != labelled) {
        m_node_events.push_back(node_event(n.name, v));
      }
    }
  }
  return eligible;
}

Result<void> Controller::sync_shards(std::map<std::string, std::string> eligible,
                                     ReconcileResult& out) {
  // Shards: rewritten only when the eligible set changed (or on the first pass).
  if (!m_published || *m_published != eligible) {
    auto plan = plan_shards(eligible);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    auto existing = read_shards(m_api, m_namespace);
    if (!existing) {
      return tl::unexpected(existing.error());
    }
    std::vector<std::string> existing_names;
    for (const auto& [name, data] : *existing) {
      existing_names.push_back(name);
    }
    auto writes = write_shards(m_api, m_namespace, *plan, existing_names);
    if (!writes) {
      return tl::unexpected(writes.error());
    }
    out.shard_writes = *writes;
    m_shard_names.clear();
    for (const auto& s : *plan) {
      m_shard_names.push_back(s.name);
    }
    m_published = std::move(eligible);
  }
  out.shards = m_shard_names.size();
  return {};
}

Result<void> Controller::sync_report(const Preflight& preflight) {
  // Rewritten only when something but its generatedAt changed.
  Preflight undated = preflight;
  undated.generated_at.clear();
  const std::string fingerprint = preflight_json(undated);
  if (fingerprint == m_last_report) {
    return {};
  }
  if (auto ok = write_report(m_api, m_namespace, preflight_json(preflight)); !ok) {
    return ok;
  }
  m_last_report = fingerprint;
  return {};
}

}  // namespace ztp::enforce
