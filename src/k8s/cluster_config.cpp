#include "k8s/cluster_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "common/posix_file.h"
#include "common/text.h"

namespace ztp::k8s {
namespace {

// A kubeconfig or service-account file larger than this is not one.
constexpr std::size_t k_max_config_file = 4 * 1024 * 1024;

Result<std::string> read_small_file(const std::filesystem::path& path) {
  return read_local_file(path.string(), k_max_config_file);
}

bool is_ip_v6_literal(std::string_view host) { return host.find(':') != std::string_view::npos; }

// kubeconfig *-data fields are standard base64 (RFC 4648 §4).
Result<std::string> decode_base64(const std::string& in, std::string_view what) {
  std::string clean;
  for (const char c : in) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      clean += c;
    }
  }
  if (clean.size() % 4 != 0) {
    return fail(ErrorKind::bad_input, std::string(what) + " is not valid base64");
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) {
    return fail(ErrorKind::bad_input, std::string(what) + " is not valid base64");
  }
  // EVP_DecodeBlock counts padding bytes as output; drop them.
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = clean.size(); i > 0 && clean[i - 1] == '='; --i) {
    --len;
  }
  out.resize(len);
  return out;
}

YAML::Node named_entry(const YAML::Node& list, const std::string& name, const char* field) {
  if (list && list.IsSequence()) {
    for (const auto& item : list) {
      if (item["name"] && item["name"].as<std::string>() == name) {
        return item[field];
      }
    }
  }
  return YAML::Node();
}

std::optional<std::string> scalar(const YAML::Node& node, const char* key) {
  if (node && node[key] && node[key].IsScalar()) {
    return node[key].as<std::string>();
  }
  return std::nullopt;
}

// "<field>-data" (base64 inline) or "<field>" (a file path, relative to the kubeconfig).
Result<std::optional<std::string>> pem_field(const YAML::Node& node, const std::string& field,
                                             const std::filesystem::path& base) {
  if (auto data = scalar(node, (field + "-data").c_str())) {
    auto decoded = decode_base64(*data, field + "-data");
    if (!decoded) {
      return tl::unexpected(decoded.error());
    }
    return std::optional<std::string>(*decoded);
  }
  if (auto file = scalar(node, field.c_str())) {
    std::filesystem::path p(*file);
    if (p.is_relative()) {
      p = base / p;
    }
    auto content = read_small_file(p);
    if (!content) {
      return tl::unexpected(content.error());
    }
    return std::optional<std::string>(*content);
  }
  return std::optional<std::string>();
}

}  // namespace

Result<ClusterConfig> parse_server_url(std::string_view url) {
  constexpr std::string_view k_scheme = "https://";
  if (url.substr(0, k_scheme.size()) != k_scheme) {
    return fail(ErrorKind::bad_input,
                "server '" + std::string(url) + "' is not an https:// URL; TLS is required");
  }
  std::string_view rest = url.substr(k_scheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  ClusterConfig c;
  c.base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!c.base_path.empty() && c.base_path.back() == '/') {
    c.base_path.pop_back();
  }
  c.port = "443";  // https default (RFC 9110 §4.2.2)
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorKind::bad_input, "server '" + std::string(url) + "': unclosed '['");
    }
    c.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail(ErrorKind::bad_input, "server '" + std::string(url) + "': bad port");
      }
      c.port = std::string(after.substr(1));
    }
  } else {
    const std::size_t colon = hostport.rfind(':');
    c.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      c.port = std::string(hostport.substr(colon + 1));
    }
  }
  const auto port = text::parse_u64(c.port);
  if (c.host.empty() || !port || *port == 0 || *port > 65535 ||
      c.port.find_first_not_of("0123456789") != std::string::npos) {
    return fail(ErrorKind::bad_input, "server '" + std::string(url) + "': bad host or port");
  }
  return c;
}

Result<ClusterConfig> in_cluster_config(const std::optional<std::string>& host,
                                        const std::optional<std::string>& port,
                                        const std::filesystem::path& sa_dir) {
  if (!host || !port) {
    return fail(ErrorKind::bad_input,
                "not in a pod: without --kubeconfig, the in-cluster config needs "
                "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set in every pod)");
  }
  // IPv6 service hosts come bare ("fd00::1"); the URL needs brackets.
  const std::string url =
      "https://" + (is_ip_v6_literal(*host) ? "[" + *host + "]" : *host) + ":" + *port;
  auto c = parse_server_url(url);
  if (!c) {
    return c;
  }
  auto ca = read_small_file(sa_dir / "ca.crt");
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  c->ca_pem = *ca;
  c->credentials.token_file = sa_dir / "token";
  if (auto ns = read_small_file(sa_dir / "namespace")) {
    c->namespace_name = std::string(text::trim(*ns));
  }
  if (auto token = current_token(c->credentials); !token) {
    return tl::unexpected(token.error());
  }
  return c;
}

Result<ClusterConfig> load_kubeconfig(const std::filesystem::path& file) {
  auto content = read_small_file(file);
  if (!content) {
    return tl::unexpected(content.error());
  }
  auto c = parse_kubeconfig(*content, file.parent_path());
  if (!c) {
    return fail(c.error().kind, "'" + file.string() + "': " + c.error().message);
  }
  return c;
}

namespace {

// The current context's cluster: server, CA and TLS name.
Result<ClusterConfig> cluster_of(const YAML::Node& cluster, const std::filesystem::path& base) {
  const auto server = scalar(cluster, "server");
  if (!server) {
    return fail(ErrorKind::bad_input, "kubeconfig: cluster has no server");
  }
  auto c = parse_server_url(*server);
  if (!c) {
    return c;
  }
  if (scalar(cluster, "insecure-skip-tls-verify").value_or("false") == "true") {
    return fail(ErrorKind::bad_input,
                "kubeconfig: insecure-skip-tls-verify is refused; TLS is always verified");
  }
  auto ca = pem_field(cluster, "certificate-authority", base);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  if (!*ca) {
    return fail(ErrorKind::bad_input, "kubeconfig: cluster has no certificate-authority");
  }
  c->ca_pem = **ca;
  c->tls_server_name = scalar(cluster, "tls-server-name");
  return c;
}

// The current context's user: a token, a token file or a client certificate.
Result<void> read_user(const YAML::Node& user, const std::filesystem::path& base,
                       ClusterConfig& c) {
  if (user["exec"] || user["auth-provider"]) {
    return fail(ErrorKind::unsupported,
                "kubeconfig: exec and auth-provider credentials are not supported; use a "
                "token, tokenFile or client certificate");
  }
  c.credentials.token = scalar(user, "token");
  if (auto tf = scalar(user, "tokenFile")) {
    std::filesystem::path p(*tf);
    c.credentials.token_file = p.is_relative() ? base / p : p;
  }
  auto cert = pem_field(user, "client-certificate", base);
  auto key = pem_field(user, "client-key", base);
  if (!cert) {
    return tl::unexpected(cert.error());
  }
  if (!key) {
    return tl::unexpected(key.error());
  }
  c.credentials.client_cert_pem = *cert;
  c.credentials.client_key_pem = *key;
  return {};
}

Result<ClusterConfig> parse_kubeconfig_yaml(const YAML::Node& root,
                                            const std::filesystem::path& base) {
  const auto current = scalar(root, "current-context");
  if (!current) {
    return fail(ErrorKind::bad_input, "kubeconfig has no current-context");
  }
  const YAML::Node context = named_entry(root["contexts"], *current, "context");
  if (!context) {
    return fail(ErrorKind::bad_input, "kubeconfig: context '" + *current + "' not found");
  }
  const auto cluster_name = scalar(context, "cluster");
  const auto user_name = scalar(context, "user");
  const YAML::Node cluster =
      cluster_name ? named_entry(root["clusters"], *cluster_name, "cluster") : YAML::Node();
  if (!cluster) {
    return fail(ErrorKind::bad_input, "kubeconfig: the current context names no known cluster");
  }
  auto c = cluster_of(cluster, base);
  if (!c) {
    return c;
  }
  c->namespace_name = scalar(context, "namespace");
  const YAML::Node user = user_name ? named_entry(root["users"], *user_name, "user") : YAML::Node();
  if (user) {
    if (auto ok = read_user(user, base, *c); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return c;
}

}  // namespace

Result<ClusterConfig> parse_kubeconfig(std::string_view content,
                                       const std::filesystem::path& base) {
  try {
    return parse_kubeconfig_yaml(YAML::Load(std::string(content)), base);
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::bad_input, std::string("kubeconfig: ") + e.what());
  }
}

Result<std::optional<std::string>> current_token(const Credentials& credentials) {
  if (credentials.token_file) {
    auto t = read_small_file(*credentials.token_file);
    if (!t) {
      return tl::unexpected(t.error());
    }
    return std::optional<std::string>(std::string(text::trim(*t)));
  }
  return credentials.token;
}

}  // namespace ztp::k8s
