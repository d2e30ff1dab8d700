#pragma once
// One reconcile of the enforcement controller: the fleet model's rows -> verdicts for the
// cluster's Nodes -> the restricted label on each Node, the eligible-node shards, the
// preflight report (ConfigMap ztp-prem-enforcement). Only differences are written.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "enforce/cluster.h"
#include "enforce/eligibility.h"
#include "enforce/events.h"
#include "enforce/tierb.h"
#include "fleet/snapshot.h"

namespace ztp::enforce {

struct ReconcileResult {
  std::size_t nodes = 0;
  std::size_t eligible = 0;
  std::size_t labels_set = 0;
  std::size_t labels_removed = 0;
  std::size_t shard_writes = 0;
  std::size_t shards = 0;
  std::size_t events = 0;         // Kubernetes Events created
  std::size_t events_failed = 0;  // refused or unanswered (best effort)
  Preflight preflight;
};

// The verdict of every Node of the cluster (a node without documents is ineligible).
Verdicts verdicts_for(const std::vector<k8s::ObjectMeta>& nodes, const fleet::Snapshot& snapshot,
                      const Policy& policy, fleet::TimePoint now);

// The preflight against the cluster as it is: Tier B namespaces, their pods and workload
// templates, the mode.
Result<Preflight> cluster_preflight(k8s::ApiClient& api, const std::vector<std::string>& nodes,
                                    const Verdicts& verdicts, bool params_present,
                                    fleet::TimePoint now);

class Controller {
 public:
  Controller(k8s::ApiClient& api, std::string namespace_name, Policy policy, const Clock& clock)
      : m_api(api),
        m_namespace(std::move(namespace_name)),
        m_policy(std::move(policy)),
        m_clock(clock) {}

  Result<ReconcileResult> reconcile(const fleet::Snapshot& snapshot);

 private:
  // Each returns what it changed in out; writes only where the cluster disagrees.
  Result<std::map<std::string, std::string>> sync_labels(const std::vector<k8s::ObjectMeta>& nodes,
                                                         const Verdicts& verdicts,
                                                         ReconcileResult& out);
  Result<void> sync_shards(std::map<std::string, std::string> eligible, ReconcileResult& out);
  Result<void> sync_report(const Preflight& preflight);
  // The node Events sync_labels queued and the pod Events of this preflight.
  void send_events(const Preflight& preflight, const Verdicts& verdicts, ReconcileResult& out);

  k8s::ApiClient& m_api;
  std::string m_namespace;
  Policy m_policy;
  const Clock& m_clock;
  // What was last written, so an unchanged fleet costs reads only.
  std::optional<std::map<std::string, std::string>> m_published;
  std::vector<std::string> m_shard_names;
  std::string m_last_report;               // without generatedAt
  std::vector<EventRecord> m_node_events;  // queued by sync_labels
  PodEventMemory m_pod_events;
};

}  // namespace ztp::enforce
