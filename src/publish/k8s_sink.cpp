#include "publish/k8s_sink.h"

#include "publish/file_sinks.h"

namespace ztp::publish {

std::string configmap_name(const std::string& node) { return "ztp-prem-" + node; }

k8s::ApplyTarget configmap_target(const Publication& p, const ConfigMapSinkOptions& options) {
  k8s::ApplyTarget t;
  t.namespace_name = options.namespace_name;
  t.name = configmap_name(p.doc.envelope.node);
  t.field_manager = options.field_manager;
  t.labels[k_part_of_label] = k_part_of_value;
  if (valid_label_value(p.doc.envelope.node)) {
    t.labels[k_node_label] = p.doc.envelope.node;
  }
  t.key = p.key + ".json";
  t.value = p.json;
  return t;
}

Sink k8s_sink(std::shared_ptr<k8s::ConfigMapClient> client, ConfigMapSinkOptions options) {
  return Sink{
      "k8s",
      [client = std::move(client), options = std::move(options)](const Publication& p) -> Outcome {
        auto applied = client->apply(configmap_target(p, options));
        if (!applied) {
          return tl::unexpected(Failure{applied.error().reason, applied.error().retry_after,
                                        applied.error().permanent});
        }
        return {};
      }};
}

}  // namespace ztp::publish
