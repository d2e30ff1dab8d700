#include "publish/k8s_sink.h"

#include <cstdlib>
#include <utility>

#include "k8s/tls_transport.h"
#include "publish/file_sinks.h"

namespace ztp::publish {

std::string configmap_name(const std::string& node) { return "ztp-prem-" + node; }

k8s::ApplyTarget configmap_key_target(const std::string& node, std::string_view key,
                                      std::string value, const ConfigMapSinkOptions& options) {
  k8s::ApplyTarget t;
  t.namespace_name = options.namespace_name;
  t.name = configmap_name(node);
  t.field_manager = options.field_manager;
  t.labels[k_part_of_label] = k_part_of_value;
  if (valid_label_value(node)) {
    t.labels[k_node_label] = node;
  }
  t.key = std::string(key) + ".json";
  t.value = std::move(value);
  return t;
}

k8s::ApplyTarget configmap_target(const Publication& p, const ConfigMapSinkOptions& options) {
  return configmap_key_target(p.doc.envelope.node, p.key, p.json, options);
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

ClusterAccess cluster_access_from_environment() {
  ClusterAccess access;
  for (auto [name, value] : {std::pair{"KUBERNETES_SERVICE_HOST", &access.service_host},
                             std::pair{"KUBERNETES_SERVICE_PORT", &access.service_port}}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') {
      *value = v;
    }
  }
  return access;
}

Result<ConfigMapAccess> connect_configmaps(const ClusterAccess& access) {
  auto config = access.kubeconfig ? k8s::load_kubeconfig(*access.kubeconfig)
                                  : k8s::in_cluster_config(access.service_host, access.service_port,
                                                           access.service_account_dir);
  if (!config) {
    return tl::unexpected(config.error());
  }
  k8s::TlsOptions tls = k8s::tls_options_for(*config);
  tls.timeout = access.timeout;
  tls.cancel_fd = access.cancel_fd;
  auto transport = k8s::TlsTransport::create(std::move(tls));
  if (!transport) {
    return tl::unexpected(transport.error());
  }
  // The client references the transport; one shared owner keeps both alive.
  struct Owned {
    std::unique_ptr<k8s::TlsTransport> transport;
    k8s::ConfigMapClient client;
  };
  k8s::TlsTransport& transport_ref = **transport;
  auto owned = std::make_shared<Owned>(
      Owned{std::move(*transport), k8s::ConfigMapClient(transport_ref, config->credentials,
                                                        config->base_path, access.user_agent)});
  ConfigMapAccess out;
  out.client = std::shared_ptr<k8s::ConfigMapClient>(owned, &owned->client);
  out.namespace_name =
      access.namespace_name.value_or(config->namespace_name.value_or(k_default_namespace));
  return out;
}

}  // namespace ztp::publish
