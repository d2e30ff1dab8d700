#pragma once
// `--publish k8s`: the per-node ConfigMap "ztp-prem-<node>" in the agent's
// namespace; each probe owns its data key ("cc.json", "tpm.json") through
// server-side apply under its own field manager, so the probes share the object.

#include <memory>
#include <string>

#include "k8s/configmap_client.h"
#include "publish/sink.h"

namespace ztp::publish {

inline constexpr const char* k_part_of_label = "app.kubernetes.io/part-of";
inline constexpr const char* k_part_of_value = "ztp-prem";
inline constexpr const char* k_node_label = "ztp-prem.tlsstress.art/node";

struct ConfigMapSinkOptions {
  std::string namespace_name;
  std::string field_manager;  // the probe's name: ztp-prem-detect, ztp-prem-tpm
};

// "ztp-prem-<node>".
std::string configmap_name(const std::string& node);
// The apply target for p: name, labels (the node label only when the node name
// is a valid label value), key "<key>.json" holding the document.
k8s::ApplyTarget configmap_target(const Publication& p, const ConfigMapSinkOptions& options);

Sink k8s_sink(std::shared_ptr<k8s::ConfigMapClient> client, ConfigMapSinkOptions options);

}  // namespace ztp::publish
