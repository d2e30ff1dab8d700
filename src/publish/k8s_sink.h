#pragma once
// `--publish k8s`: the per-node ConfigMap "ztp-prem-<node>" in the agent's
// namespace; each probe owns its data key ("cc.json", "tpm.json") through
// server-side apply under its own field manager, so the probes share the object.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "k8s/configmap_client.h"
#include "publish/sink.h"

namespace ztp::publish {

inline constexpr const char* k_part_of_label = "app.kubernetes.io/part-of";
inline constexpr const char* k_part_of_value = "ztp-prem";
// Namespace in deploy/base, used when neither --namespace nor the config names one.
inline constexpr const char* k_default_namespace = "ztp-prem";
inline constexpr const char* k_node_label = "ztp-prem.tlsstress.art/node";

struct ConfigMapSinkOptions {
  std::string namespace_name;
  std::string field_manager;  // the probe's name: ztp-prem-detect, ztp-prem-tpm
};

// "ztp-prem-<node>".
std::string configmap_name(const std::string& node);
// The apply target of one writer's data key "<key>.json" in node's ConfigMap: the name,
// the labels every writer shares (the node label only when the node name is a valid label
// value) and the writer's field manager. The probes' documents and the verifier's verdict
// (src/attest/verdict.h) both go through here.
k8s::ApplyTarget configmap_key_target(const std::string& node, std::string_view key,
                                      std::string value, const ConfigMapSinkOptions& options);
// The apply target for p: name, labels (the node label only when the node name
// is a valid label value), key "<key>.json" holding the document.
k8s::ApplyTarget configmap_target(const Publication& p, const ConfigMapSinkOptions& options);

Sink k8s_sink(std::shared_ptr<k8s::ConfigMapClient> client, ConfigMapSinkOptions options);

// Where a writer finds the API server: --kubeconfig, else the in-cluster service account.
struct ClusterAccess {
  std::optional<std::string> kubeconfig;
  std::optional<std::string> namespace_name;  // --namespace
  std::optional<std::string> service_host;    // $KUBERNETES_SERVICE_HOST
  std::optional<std::string> service_port;    // $KUBERNETES_SERVICE_PORT
  // Where a pod's service account token, CA and namespace are mounted
  // (k8s.io/docs/tasks/run-application/access-api-from-pod/).
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::string user_agent;  // "<binary>/<version>"
  std::chrono::milliseconds timeout{10000};
  int cancel_fd = -1;  // readable => abandon a request at once
};
struct ConfigMapAccess {
  std::shared_ptr<k8s::ConfigMapClient> client;  // owns its transport
  std::string namespace_name;                    // --namespace, else the config's, else ztp-prem
};
Result<ConfigMapAccess> connect_configmaps(const ClusterAccess& access);
// service_host/service_port from this process's environment, the rest defaults.
ClusterAccess cluster_access_from_environment();

}  // namespace ztp::publish
