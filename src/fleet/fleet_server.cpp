#include "fleet/fleet_server.h"

#include <openssl/crypto.h>
#include <sys/socket.h>

#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fleet/metrics.h"
#include "fleet/node_query.h"
#include "fleet/render.h"

namespace ztp::fleet {

namespace {

constexpr const char* k_json = "application/json";
// docs/fleet-api.md: the dashboard's base path.
constexpr std::string_view k_dashboard_prefix = "/admin/ztp-prem";
constexpr std::string_view k_api_prefix = "/api/";
// RFC 6750 2.1: "Authorization: Bearer <token>".
constexpr std::string_view k_bearer = "Bearer ";

constexpr const char* k_not_built_page =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>ztp-prem fleet</title></head><body><h1>ztp-prem fleet</h1>"
    "<p>The dashboard is not built. Build it with <code>cd dashboard &amp;&amp; npm ci &amp;&amp; "
    "npm run build</code>, or point <code>--dashboard-dir</code> at a built "
    "<code>dist/</code>.</p><p>The API is up: <a href=\"/api/v1/fleet\">/api/v1/fleet</a>.</p>"
    "</body></html>";

void send_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(error_json(message), k_json);
}

bool token_matches(const std::string& expected, const std::string& header) {
  if (!header.starts_with(k_bearer)) {
    return false;
  }
  const std::string_view given = std::string_view(header).substr(k_bearer.size());
  // Constant-time compare (OpenSSL CRYPTO_memcmp) so timing does not reveal the token.
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

FleetServer::FleetServer(FleetState& state, DashboardAssets dashboard, ServerOptions options)
    : m_state(state), m_dashboard(std::move(dashboard)), m_options(std::move(options)) {
  const auto doc = nlohmann::json::parse(openapi_document(), nullptr, false);
  m_openapi = doc.is_discarded() ? std::string("{}") : doc.dump();
  if (m_options.tls_cert_file && m_options.tls_key_file) {
    m_server = std::make_unique<httplib::SSLServer>(m_options.tls_cert_file->c_str(),
                                                    m_options.tls_key_file->c_str());
  } else {
    m_server = std::make_unique<httplib::Server>();
  }
  install_routes();
}

FleetServer::~FleetServer() { stop(); }

Result<int> FleetServer::bind() {
  if (!m_server->is_valid()) {
    return fail(ErrorKind::bad_input, "TLS certificate or key could not be loaded");
  }
  const int port =
      m_options.port == 0
          ? m_server->bind_to_any_port(m_options.host)
          : (m_server->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1);
  if (port < 0) {
    return fail(ErrorKind::bad_input,
                "cannot listen on " + m_options.host + ":" + std::to_string(m_options.port));
  }
  // cpp-httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into
  // Debian's library): 64 clients connecting at once would see SYNs dropped and retried
  // a second later. listen(2) again on the bound socket raises the backlog.
  if (m_listen_fd >= 0) {
    ::listen(m_listen_fd, SOMAXCONN);
  }
  return port;
}

void FleetServer::serve() { m_server->listen_after_bind(); }

void FleetServer::stop() {
  m_state.shutdown();  // event streams return, so the pool can drain
  if (m_server) {
    m_server->stop();
  }
}

void FleetServer::install_routes() {
  httplib::Server& svr = *m_server;
  const std::size_t threads = m_options.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Benchmark and dashboard clients keep their connection; cpp-httplib's default closes
  // it after 5 requests.
  svr.set_keep_alive_max_count(100000);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
  // and the client's delayed ACK add ~40 ms to every response (RFC 896, RFC 1122 4.2.3.2).
  svr.set_tcp_nodelay(true);
  // Replaces cpp-httplib's default socket options: keep its SO_REUSEADDR, and remember
  // the listening socket so bind() can raise its backlog.
  svr.set_socket_options([this](int fd) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    m_listen_fd = fd;
  });
  svr.set_payload_max_length(1024);  // read-only API: no request needs a body
  svr.set_default_headers({
      {"Content-Security-Policy", k_content_security_policy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", "no-store"},
  });

  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Debian's libcpp-httplib is built with brotli, which it always prefers and runs at
    // quality 11: 0.8-1.5 s for one 500-row page, against 0.03 s for gzip. Offering it
    // only gzip keeps responses compressed and fast. The server owns this request object;
    // the handler merely receives it as const.
    auto& headers = const_cast<httplib::Request&>(req).headers;
    if (const auto it = headers.find("Accept-Encoding"); it != headers.end()) {
      it->second = it->second.find("gzip") != std::string::npos ? "gzip" : "identity";
    }
    if (m_options.token && req.path.starts_with(k_api_prefix) &&
        !token_matches(*m_options.token, req.get_header_value("Authorization"))) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "missing or wrong bearer token");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      send_error(res, res.status, res.status == 404 ? "not found" : "request failed");
    }
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                               std::exception_ptr) { send_error(res, 500, "internal error"); });

  // Routes are tried in order (std::regex each): the hottest first.
  svr.Get("/api/v1/fleet", [this](const httplib::Request&, httplib::Response& res) {
    const auto snap = m_state.snapshot();
    res.set_content(snap->fleet_json, k_json);
  });
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", k_json);
  });
  svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    if (m_state.ready()) {
      res.set_content(R"({"status":"ready"})", k_json);
    } else {
      send_error(res, 503, "initial scan not finished");
    }
  });
  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    // Prometheus text exposition format 0.0.4.
    res.set_content(metrics_text(m_state.snapshot()->counts), "text/plain; version=0.0.4");
  });
  svr.Get("/api/v1/openapi.json", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(m_openapi, k_json);
  });
  svr.Get("/api/v1/nodes", [this](const httplib::Request& req, httplib::Response& res) {
    const auto query = parse_node_query(req.params);
    if (!query) {
      send_error(res, 400, query.error().message);
      return;
    }
    const auto snap = m_state.snapshot();
    res.set_content(run_node_query(*snap, *query).dump(), k_json);
  });
  svr.Get(R"(/api/v1/nodes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    const auto snap = m_state.snapshot();
    const Row* row = is_valid_node_name(name) ? snap->find(name) : nullptr;
    if (row == nullptr) {
      send_error(res, 404, "unknown node");
      return;
    }
    res.set_content(node_detail_json(*row).dump(), k_json);
  });
  svr.Get("/api/v1/events", [this](const httplib::Request&, httplib::Response& res) {
    struct Stream {
      std::uint64_t sent = 0;
      std::chrono::steady_clock::time_point sent_at{};
    };
    auto stream = std::make_shared<Stream>();
    res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    res.set_chunked_content_provider(
        "text/event-stream", [this, stream](std::size_t, httplib::DataSink& sink) {
          if (stream->sent != 0) {
            // Coalesce: at most one event per event_interval.
            const auto next = stream->sent_at + m_options.event_interval;
            if (std::chrono::steady_clock::now() < next) {
              std::this_thread::sleep_until(next);
            }
          }
          const std::uint64_t revision =
              stream->sent == 0 ? m_state.snapshot()->revision
                                : m_state.wait_for_revision(stream->sent, m_options.heartbeat);
          if (m_state.shutting_down() || !sink.is_writable()) {
            return false;
          }
          std::string chunk;
          if (revision > stream->sent) {
            // WHATWG HTML "Server-sent events": event/data fields, blank line ends the event.
            chunk = "event: fleet\ndata: " + nlohmann::json{{"revision", revision}}.dump() + "\n\n";
            stream->sent = revision;
            stream->sent_at = std::chrono::steady_clock::now();
          } else {
            chunk = ": heartbeat\n\n";  // a comment line keeps proxies from timing out
          }
          return sink.write(chunk.data(), chunk.size());
        });
  });

  const auto serve_dashboard = [this](const httplib::Request& req, httplib::Response& res) {
    if (!m_dashboard.available()) {
      res.set_content(k_not_built_page, "text/html; charset=utf-8");
      return;
    }
    std::string_view path = req.path;
    path.remove_prefix(k_dashboard_prefix.size());
    while (path.starts_with("/")) {
      path.remove_prefix(1);
    }
    const Asset* asset = path.empty() ? nullptr : m_dashboard.find(path);
    if (asset == nullptr) {
      if (path.starts_with("assets/")) {
        send_error(res, 404, "no such dashboard asset");
        return;
      }
      asset = m_dashboard.find("index.html");  // client-side routes get the app
    }
    if (path.starts_with("assets/")) {
      // Vite puts a content hash in asset names: they never change.
      res.headers.erase("Cache-Control");  // replaces the default no-store
      res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    }
    res.set_content(asset->content, asset->content_type.c_str());
  };
  svr.Get(R"(/admin/ztp-prem(/.*)?)", serve_dashboard);
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/admin/ztp-prem/");
  });
}

}  // namespace ztp::fleet
