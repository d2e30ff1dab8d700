#pragma once
// Where the API server is and how to authenticate to it: in-cluster (service
// account files + KUBERNETES_SERVICE_HOST/_PORT) or a kubeconfig file.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::k8s {

struct Credentials {
  // Bearer token: re-read from token_file before every request (bound
  // service-account tokens rotate;
  // k8s.io/docs/reference/access-authn-authz/service-accounts-admin/).
  std::optional<std::filesystem::path> token_file;
  std::optional<std::string> token;  // a literal token from a kubeconfig
  std::optional<std::string> client_cert_pem;
  std::optional<std::string> client_key_pem;
};

struct ClusterConfig {
  std::string host;  // name or IP literal; IPv6 without brackets
  std::string port;
  std::string base_path;  // server URL path prefix, usually ""
  std::string ca_pem;
  std::optional<std::string> tls_server_name;
  Credentials credentials;
  std::optional<std::string> namespace_name;  // from the service account or the context
};

// In-cluster config. host/port: $KUBERNETES_SERVICE_HOST/_PORT; sa_dir holds
// token, ca.crt and namespace.
Result<ClusterConfig> in_cluster_config(const std::optional<std::string>& host,
                                        const std::optional<std::string>& port,
                                        const std::filesystem::path& sa_dir);

// The current context of a kubeconfig file (clusters, users, contexts; relative
// paths resolve against the file's directory). exec and auth-provider users
// and insecure-skip-tls-verify are refused.
Result<ClusterConfig> load_kubeconfig(const std::filesystem::path& file);
// The same on the file's content; base resolves relative paths (fuzzed).
Result<ClusterConfig> parse_kubeconfig(std::string_view content, const std::filesystem::path& base);

// "https://host[:port][/path]" (IPv6 host in brackets) -> host, port, path.
Result<ClusterConfig> parse_server_url(std::string_view url);

// The token to send now (re-reads token_file), or nullopt for none.
Result<std::optional<std::string>> current_token(const Credentials& credentials);

}  // namespace ztp::k8s
