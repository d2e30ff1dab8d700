#pragma once
// HTTPS over Boost.Beast + OpenSSL: by default one connection per request (the agent
// sends at most a few requests an hour, so an idle keep-alive connection per
// node would only cost the API server); with keep_alive, send() reuses one connection
// for a burst of requests (the attestation round: nonce, then quote). Peer always
// verified against the configured CA, host name or IP checked against the certificate.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "k8s/cluster_config.h"
#include "k8s/http.h"

namespace ztp::k8s {

struct TlsOptions {
  std::string host;                        // DNS name or IP literal (IPv6 without brackets)
  std::string port;                        // "443"
  std::string ca_pem;                      // trust anchors; required
  std::optional<std::string> server_name;  // kubeconfig tls-server-name: verify this name instead
  std::optional<std::string> client_cert_pem;
  std::optional<std::string> client_key_pem;
  std::chrono::milliseconds timeout{10000};  // whole request: connect to last byte
  // stream(): the deadline covers connect to response head; after that each read of the
  // body must complete within this (a watch sends at least a bookmark about once a minute,
  // k8s.io/docs/reference/using-api/api-concepts/#watch-bookmarks).
  std::chrono::milliseconds stream_idle_timeout{std::chrono::minutes(5)};
  int cancel_fd = -1;  // readable => abandon the request at once (the agent's StopSignal)
  // send() keeps the connection open (HTTP/1.1 persistent connection, RFC 9112 section 9.3)
  // for the next send() while the server allows it; a reused connection that fails before
  // a response is replaced once by a fresh one. stream() always uses its own connection.
  bool keep_alive = false;
};

// The connection part of a cluster config (server, CA, client certificate): what the
// agents and the fleet service both need; callers add timeout and cancel_fd.
TlsOptions tls_options_for(const ClusterConfig& config);

class TlsTransport final : public HttpTransport {
 public:
  // Fails when the CA or client credentials do not load.
  static Result<std::unique_ptr<TlsTransport>> create(TlsOptions options);
  ~TlsTransport() override;
  // A response body over 4 MiB fails with sys_errno EMSGSIZE (ask for less: a smaller page).
  Result<HttpResponse> send(const HttpRequest& request) override;
  Result<int> stream(const HttpRequest& request, const ChunkHandler& on_data) override;

 private:
  struct Impl;
  explicit TlsTransport(std::unique_ptr<Impl> impl);
  template <typename T, typename Exchange>
  Result<T> run(Exchange&& exchange, bool reuse);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ztp::k8s
