#include "fleet/fleet_server.h"

#include <nlohmann/json.hpp>

#include "common/k8s_names.h"
#include "fleet/metrics.h"
#include "fleet/node_query.h"
#include "fleet/render.h"
#include "http/request_text.h"

namespace ztp::fleet {

namespace {

// docs/fleet-api.md: the dashboard's base path.
constexpr std::string_view k_dashboard_prefix = "/admin/ztp-prem";
constexpr std::string_view k_node_prefix = "/api/v1/nodes/";

constexpr const char* k_not_built_page =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>ztp-prem fleet</title></head><body><h1>ztp-prem fleet</h1>"
    "<p>The dashboard is not built. Build it with <code>cd dashboard &amp;&amp; npm ci &amp;&amp; "
    "npm run build</code>, or point <code>--dashboard-dir</code> at a built "
    "<code>dist/</code>.</p><p>The API is up: <a href=\"/api/v1/fleet\">/api/v1/fleet</a>.</p>"
    "</body></html>";

http::Response error(int status, std::string_view message) {
  return http::Response::json(status, error_json(message));
}

http::Route route(std::string path, std::function<http::Response(const http::Request&)> handle,
                  bool needs_token, http::Work work = http::Work::inline_work) {
  http::Route r;
  r.path = std::move(path);
  r.handle = std::move(handle);
  r.needs_token = needs_token;
  r.work = work;
  return r;
}

http::ServerConfig server_config(const ServerOptions& options) {
  http::ServerConfig config;
  config.host = options.host;
  config.port = options.port;
  if (options.tls_cert_file && options.tls_key_file) {
    config.tls = http::TlsFiles{*options.tls_cert_file, *options.tls_key_file};
  }
  config.allowed_hosts = options.allowed_hosts;
  config.bearer_token = options.token;
  config.io_threads = options.threads;
  config.limits = options.limits;
  config.on_warning = options.on_warning;
  config.default_headers = {
      {"Content-Security-Policy", k_content_security_policy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", "no-store"},
  };
  return config;
}

}  // namespace

EventHub::EventHub(FleetState& state, std::chrono::milliseconds interval,
                   std::chrono::milliseconds heartbeat)
    : m_state(state), m_interval(interval), m_heartbeat(heartbeat) {
  m_thread = std::thread([this] { run(); });
}

EventHub::~EventHub() { stop(); }

void EventHub::add(http::EventStream stream) {
  // Registered before the first event is sent: a change in between is sent twice at
  // worst, never missed. WHATWG HTML "Server-sent events": event/data, blank line ends it.
  const std::lock_guard lock(m_mutex);
  stream.send("event: fleet\ndata: " +
              nlohmann::json{{"revision", m_state.snapshot()->revision}}.dump() + "\n\n");
  m_streams.push_back(std::move(stream));
}

void EventHub::announce(std::string_view name, std::uint64_t revision) {
  broadcast("event: " + std::string(name) +
            "\ndata: " + nlohmann::json{{"revision", revision}}.dump() + "\n\n");
}

void EventHub::stop() {
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_stopped.notify_all();
  m_state.shutdown();  // wakes wait_for_revision
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void EventHub::broadcast(const std::string& message) {
  const std::lock_guard lock(m_mutex);
  std::erase_if(m_streams, [&](const http::EventStream& s) { return !s.send(message); });
}

void EventHub::run() {
  std::uint64_t sent = m_state.snapshot()->revision;
  while (true) {
    const std::uint64_t revision = m_state.wait_for_revision(sent, m_heartbeat);
    if (m_state.shutting_down()) {
      return;
    }
    if (revision > sent) {
      broadcast("event: fleet\ndata: " + nlohmann::json{{"revision", revision}}.dump() + "\n\n");
      sent = revision;
      // Coalesce: at most one event per interval.
      std::unique_lock lock(m_mutex);
      if (m_stopped.wait_for(lock, m_interval, [&] { return m_stop; })) {
        return;
      }
    } else {
      broadcast(": heartbeat\n\n");  // a comment line keeps proxies from timing out
    }
  }
}

FleetServer::FleetServer(FleetState& state, DashboardAssets dashboard, ServerOptions options)
    : m_state(state),
      m_dashboard(std::move(dashboard)),
      m_options(std::move(options)),
      m_enforcement(m_options.enforcement),
      m_events(state, m_options.event_interval, m_options.heartbeat) {
  if (!m_enforcement) {
    m_enforcement = std::make_shared<EnforcementReports>(ReportSource::none);
    m_enforcement->set_absent("this service reads no enforcement report");
  }
  // A report changes seldom (the controller rewrites it only when its content changes):
  // each change is announced at once, not coalesced with the fleet's revisions.
  m_enforcement->on_change([this](std::uint64_t r) { m_events.announce("enforcement", r); });
  const auto doc = nlohmann::json::parse(openapi_document(), nullptr, false);
  m_openapi =
      std::make_shared<const std::string>(doc.is_discarded() ? std::string("{}") : doc.dump());
  m_server = std::make_unique<http::Server>(server_config(m_options), routes());
}

FleetServer::~FleetServer() { stop(); }

Result<int> FleetServer::bind() { return m_server->bind(); }

void FleetServer::serve() { m_server->serve(); }

void FleetServer::stop() {
  m_enforcement->on_change(nullptr);  // returns once no announcement is running
  m_events.stop();                    // event streams end, so the server can drain
  m_server->stop();
}

// The API (bearer token): the fleet summary, the node list and detail on the work pool, the
// event stream, and a JSON 404 for any other /api/ path.
std::vector<http::Route> FleetServer::api_routes() {
  std::vector<http::Route> out;
  out.push_back(route(
      "/api/v1/fleet",
      [this](const http::Request&) {
        // The body is rendered once per revision; responses share it with the snapshot.
        auto snap = m_state.snapshot();
        return http::Response::shared(std::shared_ptr<const std::string>(snap, &snap->fleet_json),
                                      "application/json");
      },
      true));
  out.push_back(route(
      "/api/v1/openapi.json",
      [this](const http::Request&) {
        return http::Response::shared(m_openapi, "application/json");
      },
      true));
  out.push_back(route(
      "/api/v1/nodes", [this](const http::Request& r) { return nodes(r); }, true,
      http::Work::pool));
  out.push_back(route(
      "/api/v1/enforcement", [this](const http::Request&) { return enforcement(); }, true));
  auto detail = route(
      std::string(k_node_prefix), [this](const http::Request& r) { return node(r); }, true,
      http::Work::pool);
  detail.prefix = true;
  out.push_back(std::move(detail));
  auto api = route(
      "/api/", [](const http::Request&) { return error(404, "not found"); }, true);
  api.prefix = true;
  out.push_back(std::move(api));
  http::Route events;
  events.path = "/api/v1/events";
  events.needs_token = true;
  events.work = http::Work::stream;
  events.open_stream = [this](const http::Request&, http::EventStream stream) {
    m_events.add(std::move(stream));
  };
  out.push_back(std::move(events));
  return out;
}

// Probes and metrics: no token; the probes answer any Host (kubelet sends the pod IP).
std::vector<http::Route> FleetServer::probe_routes() {
  std::vector<http::Route> out;
  auto healthz = route(
      "/healthz",
      [](const http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); }, false);
  healthz.any_host = true;
  out.push_back(std::move(healthz));
  auto readyz = route(
      "/readyz", [this](const http::Request&) { return readiness(); }, false);
  readyz.any_host = true;
  out.push_back(std::move(readyz));
  out.push_back(route(
      "/metrics",
      [this](const http::Request&) {
        // Prometheus text exposition format 0.0.4.
        http::Response res;
        res.body = metrics_text(m_state.snapshot()->counts) +
                   enforcement_metrics_text(*m_enforcement->current());
        res.content_type = "text/plain; version=0.0.4";
        return res;
      },
      false));
  return out;
}

// The dashboard's files, and "/" redirecting to it.
std::vector<http::Route> FleetServer::page_routes() {
  std::vector<http::Route> out;
  auto dash = route(
      std::string(k_dashboard_prefix), [this](const http::Request& r) { return dashboard(r); },
      false);
  dash.prefix = true;
  out.push_back(std::move(dash));
  out.push_back(route(
      "/",
      [](const http::Request&) {
        http::Response res;
        res.status = 302;
        res.headers = {{"Location", "/admin/ztp-prem/"}};
        return res;
      },
      false));
  return out;
}

// The server matches exact paths before prefixes, longest first: the order here is free.
std::vector<http::Route> FleetServer::routes() {
  std::vector<http::Route> out;
  for (auto group : {api_routes(), probe_routes(), page_routes()}) {
    std::move(group.begin(), group.end(), std::back_inserter(out));
  }
  return out;
}

http::Response FleetServer::readiness() const {
  if (m_options.source_problem) {
    if (auto problem = m_options.source_problem()) {
      return error(503, *problem);
    }
  }
  if (!m_state.ready()) {
    return error(503, "initial scan not finished");
  }
  return http::Response::json(200, R"({"status":"ready"})");
}

http::Response FleetServer::nodes(const http::Request& request) const {
  const auto params = http::parse_query(request.query);
  if (!params) {
    return error(400, params.error().message);
  }
  const auto query = parse_node_query(*params);
  if (!query) {
    return error(400, query.error().message);
  }
  // Rows are rendered as they are sent, from the shared snapshot: a page of 1,000 rows
  // never exists whole in memory, whatever the number of concurrent clients.
  auto writer = std::make_shared<NodePageWriter>(m_state.snapshot(), *query);
  http::Response res;
  res.chunks = [writer](std::string& out) { return writer->next(out); };
  return res;
}

http::Response FleetServer::node(const http::Request& request) const {
  const std::string name = request.path.substr(k_node_prefix.size());
  const auto snap = m_state.snapshot();
  const Row* row = is_node_name(name) ? snap->find(name) : nullptr;
  if (row == nullptr) {
    return error(404, "unknown node");
  }
  return http::Response::json(200, node_detail_json(*row).dump());
}

http::Response FleetServer::enforcement() const {
  // Rendered once per change; responses share the body with the view.
  auto view = m_enforcement->current();
  return http::Response::shared(std::shared_ptr<const std::string>(view, &view->body),
                                "application/json");
}

http::Response FleetServer::dashboard(const http::Request& request) const {
  std::string_view path = request.path;
  path.remove_prefix(k_dashboard_prefix.size());
  if (!path.empty() && !path.starts_with('/')) {
    return error(404, "not found");  // "/admin/ztp-premX"
  }
  http::Response res;
  if (!m_dashboard.available()) {
    res.body = k_not_built_page;
    res.content_type = "text/html; charset=utf-8";
    return res;
  }
  while (path.starts_with('/')) {
    path.remove_prefix(1);
  }
  const bool immutable = path.starts_with("assets/");
  const http::Asset* asset = path.empty() ? nullptr : m_dashboard.find(path);
  if (asset == nullptr) {
    if (immutable) {
      return error(404, "no such dashboard asset");
    }
    asset = m_dashboard.find("index.html");  // client-side routes get the app
  }
  res = http::Response::shared(asset->content, asset->content_type);
  if (immutable) {
    // Vite puts a content hash in asset names: they never change.
    res.headers = {{"Cache-Control", "public, max-age=31536000, immutable"}};
  }
  return res;
}

}  // namespace ztp::fleet
