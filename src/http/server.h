#pragma once
// An asynchronous HTTP/1.1 server on Boost.Beast/Asio, plain or TLS, with every limit a
// hostile client could abuse built in as a named setting. No handler ever blocks an I/O
// thread on a client: slow readers and writers cost a socket and a timer, not a thread.
// Knows routes, not applications (the fleet service and later the attestation service
// bring their own).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ztp::http {

using namespace std::chrono_literals;

// Defaults sized for one service with a few dashboards and a benchmark of 64 clients.
struct Limits {
  std::size_t max_head_bytes = 16 * 1024;             // request line + header fields -> 431
  std::size_t max_target_bytes = 8 * 1024;            // request target -> 414
  std::size_t max_header_count = 100;                 // -> 431
  std::size_t max_body_bytes = 0;                     // per route unless the route says -> 413
  std::chrono::milliseconds head_timeout = 10s;       // the whole head, first to last byte -> 408
  std::chrono::milliseconds idle_timeout = 5s;        // keep-alive: the next request's head
  std::chrono::milliseconds handshake_timeout = 10s;  // TLS
  std::chrono::milliseconds write_timeout = 30s;      // each write of a response or stream
  std::size_t max_connections = 1000;                 // -> 503 and close
  std::size_t max_connections_per_peer = 128;         // one address -> 503 and close
  std::size_t max_streams = 256;                      // open event streams -> 503
  std::size_t stream_queue_bytes = 64 * 1024;         // unsent stream bytes; more drops the client
  std::size_t heavy_workers = 2;                      // threads for Work::pool routes
  std::size_t heavy_queue = 128;                      // waiting pool requests; more -> 503
  std::chrono::seconds retry_after = 1s;              // Retry-After of a 503 for a full pool
  std::chrono::milliseconds drain_timeout = 5s;       // stop(): in-flight requests finish within
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TlsFiles {
  std::string cert_file;  // PEM chain; both files are re-read when they change
  std::string key_file;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = any free port
  std::optional<TlsFiles> tls;
  std::vector<std::string> allowed_hosts;   // Host names besides the listen address and loopback
  std::optional<std::string> bearer_token;  // checked on routes with needs_token
  Headers default_headers;                  // sent with every response (security headers)
  std::size_t io_threads = 2;
  Limits limits;
  // One line per problem the server cannot report to a client (a TLS reload that failed).
  std::function<void(std::string_view)> on_warning;
};

struct Request {
  std::string method;  // as sent: "GET"
  std::string path;    // percent-decoded
  std::string query;   // raw; parse_query() decodes it
  Headers headers;
  std::string body;
  std::string peer;  // remote address
  // Case-insensitive (RFC 9110 5.1); the first field of that name.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Produces a large body piece by piece: appends the next part to `out`, returns false
// after the last part. Called again only when the previous part was sent.
using ChunkSource = std::function<bool(std::string& out)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // replace default headers of the same name
  std::string body;
  std::shared_ptr<const std::string> shared_body;  // instead of body: shared, never copied
  ChunkSource chunks;                              // instead of both: streamed (chunked)

  static Response json(int status, std::string body);
  static Response shared(std::shared_ptr<const std::string> body, std::string content_type);
};

namespace detail {
struct StreamChannel;
}

// The writing end of one event stream (text/event-stream). Thread-safe, cheap to copy.
// send() queues and returns at once; a client whose unsent bytes pass
// Limits::stream_queue_bytes, or whose write stalls past write_timeout, is dropped.
class EventStream {
 public:
  explicit EventStream(std::shared_ptr<detail::StreamChannel> channel);
  // False once the stream is closed (client gone, dropped, server stopping).
  bool send(std::string data) const;
  bool open() const;

 private:
  std::shared_ptr<detail::StreamChannel> m_channel;
};

enum class Work {
  inline_work,  // fast (a prepared body): runs on the I/O thread
  pool,         // heavy: runs on the bounded pool (Limits::heavy_*), 503 when full
  stream,       // an event stream: open_stream gets the EventStream
};

struct Route {
  std::string path;     // exact match; with prefix, any path starting with it
  bool prefix = false;  // longest matching route wins
  std::vector<std::string> methods = {"GET"};  // GET implies HEAD
  bool needs_token = false;                    // ServerConfig::bearer_token, else 401
  bool any_host = false;  // answered whatever Host says (liveness and readiness probes)
  Work work = Work::inline_work;
  std::optional<std::size_t> max_body_bytes;  // default Limits::max_body_bytes
  std::function<Response(const Request&)> handle;
  std::function<void(const Request&, EventStream)> open_stream;  // Work::stream
};

struct ServerStats {
  std::size_t connections = 0;
  std::size_t streams = 0;
  std::size_t pool_queued = 0;
};

class Server {
 public:
  Server(ServerConfig config, std::vector<Route> routes);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Loads the TLS files and binds; returns the port. bad_input when either fails.
  Result<int> bind();
  // Serves on io_threads threads (the caller's included) until stop() has drained.
  void serve();
  // Graceful: stops accepting, closes idle connections and streams, lets in-flight
  // requests finish within drain_timeout, then serve() returns. Any thread, any time.
  void stop();
  ServerStats stats() const;

  struct Impl;  // public only so the connection code in server.cpp can name it

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ztp::http
