#pragma once
// The read-only HTTP(S) face of the fleet model (docs/fleet-api.md), on the project's HTTP
// component (src/http): routes and handlers here, connections and limits there.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "fleet/dashboard_assets.h"
#include "fleet/enforcement_report.h"
#include "fleet/fleet_state.h"
#include "http/server.h"

namespace ztp::fleet {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port (tests)
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  std::optional<std::string> token;        // bearer token for /api/...
  std::vector<std::string> allowed_hosts;  // --allowed-host (Service DNS names)
  std::size_t threads = 2;                 // I/O threads; no client holds one
  http::Limits limits;
  // docs/fleet-api.md: at most one fleet event per 250 ms, a heartbeat comment every 15 s.
  std::chrono::milliseconds event_interval = std::chrono::milliseconds(250);
  std::chrono::milliseconds heartbeat = std::chrono::seconds(15);
  // Why the source cannot serve right now (its directory vanished), for /readyz.
  std::function<std::optional<std::string>()> source_problem;
  std::function<void(std::string_view)> on_warning;
  // GET /api/v1/enforcement (docs/fleet-api.md); none: the service has no report source.
  std::shared_ptr<EnforcementReports> enforcement;
};

// The Content-Security-Policy sent with every response: same-origin only, no inline
// script or style elements, no framing.
inline constexpr const char* k_content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// Fans model revisions out to every open event stream from one thread, coalesced.
class EventHub {
 public:
  EventHub(FleetState& state, std::chrono::milliseconds interval,
           std::chrono::milliseconds heartbeat);
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;
  ~EventHub();
  void add(http::EventStream stream);
  // `event: <name>` with data {"revision": N} to every stream (the enforcement report).
  void announce(std::string_view name, std::uint64_t revision);
  void stop();

 private:
  void run();
  void broadcast(const std::string& message);

  FleetState& m_state;
  std::chrono::milliseconds m_interval;
  std::chrono::milliseconds m_heartbeat;
  std::mutex m_mutex;
  std::condition_variable m_stopped;
  bool m_stop = false;
  std::vector<http::EventStream> m_streams;
  std::thread m_thread;
};

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
  // Graceful (SIGTERM): streams end, in-flight requests finish within limits.drain_timeout.
  void stop();

 private:
  std::vector<http::Route> routes();
  std::vector<http::Route> api_routes();
  std::vector<http::Route> probe_routes();
  std::vector<http::Route> page_routes();
  http::Response readiness() const;
  http::Response nodes(const http::Request& request) const;
  http::Response node(const http::Request& request) const;
  http::Response enforcement() const;
  http::Response dashboard(const http::Request& request) const;

  FleetState& m_state;
  DashboardAssets m_dashboard;
  ServerOptions m_options;
  std::shared_ptr<const std::string> m_openapi;  // compact JSON
  std::shared_ptr<EnforcementReports> m_enforcement;
  EventHub m_events;
  std::unique_ptr<http::Server> m_server;
};

// The OpenAPI 3.0 document of this API (schema/fleet-openapi.v1.json, embedded at build).
std::string_view openapi_document();

}  // namespace ztp::fleet
