#pragma once
// The verifier's published verdict per node (schema/attest.v1.schema.json): whether the
// node's last TPM-signed attestation was released or refused by policy, its group, when,
// and the refusal code. Never a digest, an EK, an AK or any identifier but the node name.
// Sinks: a directory (the probes' `--publish dir:` layout, "<node>.attest.json", replaced
// atomically) and the node's ConfigMap (data key "attest.json" under its own field
// manager, server-side apply, next to the probes' keys: src/publish/k8s_sink.h).

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "k8s/configmap_client.h"

namespace ztp::attest {

// The document's kind, file suffix / data key ("<node>.attest.json", "attest.json") and the
// ConfigMap field manager of the verdicts.
inline constexpr std::string_view k_verdict_kind = "AttestStatus";
inline constexpr std::string_view k_verdict_key = "attest";
inline constexpr std::string_view k_verdict_field_manager = "ztp-prem-attest";

struct VerdictRecord {
  std::string node;
  std::string group;
  bool attested = false;
  std::string reason;  // a refusal code when !attested (attest.v1 "reason")
  std::chrono::system_clock::time_point when;
};

// The attest.v1 document, one line of JSON ending in a newline.
std::string verdict_json(const VerdictRecord& verdict);

// Where verdicts go. Directory writes happen in publish() (a rename, no fsync: the verdict
// is derived state); ConfigMap applies on a worker thread, latest verdict per node first
// come, so a slow or unreachable API server never delays an attestation round. A failed
// apply is retried with backoff while no newer verdict replaced it; a refusal no retry
// fixes (RBAC, admission) is reported and dropped.
class VerdictPublisher {
 public:
  struct K8s {
    std::shared_ptr<k8s::ConfigMapClient> client;
    std::string namespace_name;
  };
  struct Options {
    std::optional<std::filesystem::path> dir;
    std::optional<K8s> k8s;
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{std::chrono::seconds(30)};
  };
  // Called (from any thread) with one line when a sink fails; never carries a value.
  using OnFailure = std::function<void(std::string_view sink, std::string_view reason)>;

  VerdictPublisher(Options options, OnFailure on_failure);
  ~VerdictPublisher();
  VerdictPublisher(const VerdictPublisher&) = delete;
  VerdictPublisher& operator=(const VerdictPublisher&) = delete;

  void publish(const VerdictRecord& verdict);
  // Blocks until every verdict handed to the ConfigMap sink so far was applied or given
  // up, or timeout; true when nothing is left (tests, shutdown).
  bool flush(std::chrono::milliseconds timeout);

 private:
  void run();
  bool apply_one(const std::string& node, const std::string& json);

  Options m_options;
  OnFailure m_on_failure;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_idle;
  std::map<std::string, std::string> m_pending;  // node -> latest document
  bool m_busy = false;
  bool m_stop = false;
  std::thread m_worker;
};

}  // namespace ztp::attest
