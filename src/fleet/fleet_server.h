#pragma once
// The read-only HTTP(S) face of the fleet model (docs/fleet-api.md), on cpp-httplib.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "fleet/dashboard_assets.h"
#include "fleet/fleet_state.h"

namespace httplib {
class Server;
}

namespace ztp::fleet {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port (tests)
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  std::optional<std::string> token;  // bearer token for /api/...
  // Each keep-alive connection and each event stream holds one thread (cpp-httplib's
  // thread-per-connection pool): 64 benchmark clients plus dashboards fit.
  std::size_t threads = 96;
  // docs/fleet-api.md: at most one fleet event per 250 ms, a heartbeat comment every 15 s.
  std::chrono::milliseconds event_interval = std::chrono::milliseconds(250);
  std::chrono::milliseconds heartbeat = std::chrono::seconds(15);
};

// The Content-Security-Policy sent with every response: same-origin only, no inline
// script or style elements, no framing.
inline constexpr const char* k_content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

class FleetServer {
 public:
  FleetServer(FleetState& state, DashboardAssets dashboard, ServerOptions options);
  FleetServer(const FleetServer&) = delete;
  FleetServer& operator=(const FleetServer&) = delete;
  ~FleetServer();

  // Binds the listening socket; returns the port (useful with port 0).
  Result<int> bind();
  // Serves until stop(); call after bind().
  void serve();
  void stop();

 private:
  void install_routes();

  FleetState& m_state;
  DashboardAssets m_dashboard;
  ServerOptions m_options;
  std::string m_openapi;  // compact JSON
  std::unique_ptr<httplib::Server> m_server;
  int m_listen_fd = -1;
};

// The OpenAPI 3.0 document of this API (schema/fleet-openapi.v1.json, embedded at build).
std::string_view openapi_document();

}  // namespace ztp::fleet
