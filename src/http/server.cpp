#include "http/server.h"

#include <openssl/ssl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "http/request_text.h"

namespace ztp::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string error_body(std::string_view message) {
  return nlohmann::json{{"error", message}}.dump();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Identity of a file's current content as far as a reload needs: a Kubernetes Secret
// volume swaps a symlink, so the inode changes; an in-place write changes mtime or size.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return FileStamp{
      st.st_dev, st.st_ino, st.st_size,
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<std::shared_ptr<ssl::context>> load_tls(const TlsFiles& files) {
  try {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    // TLS 1.2 or later, AEAD suites only for 1.2 (RFC 9325 4.1, 4.2).
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ctx->native_handle(), "ECDHE+AESGCM:ECDHE+CHACHA20");
    ctx->use_certificate_chain_file(files.cert_file);
    ctx->use_private_key_file(files.key_file, ssl::context::pem);
    return ctx;
  } catch (const boost::system::system_error& e) {
    return fail(ErrorKind::bad_input,
                "TLS certificate or key could not be loaded: " + std::string(e.code().message()));
  }
}

// The TLS context, re-read when either file changes (checked at most once a second, on
// accept). A failed reload keeps the previous context and warns once.
class TlsContextCache {
 public:
  TlsContextCache(TlsFiles files, std::function<void(std::string_view)> warn)
      : m_files(std::move(files)), m_warn(std::move(warn)) {}

  Result<void> load() {
    auto ctx = load_tls(m_files);
    if (!ctx) {
      return tl::unexpected(ctx.error());
    }
    m_ctx = std::move(*ctx);
    m_stamps = {stamp_of(m_files.cert_file), stamp_of(m_files.key_file)};
    m_checked = SteadyClock::now();
    return {};
  }

  std::shared_ptr<ssl::context> current() {
    const std::lock_guard lock(m_mutex);
    const auto now = SteadyClock::now();
    if (now - m_checked < std::chrono::seconds(1)) {
      return m_ctx;
    }
    m_checked = now;
    const std::pair stamps{stamp_of(m_files.cert_file), stamp_of(m_files.key_file)};
    if (stamps == m_stamps) {
      return m_ctx;
    }
    m_stamps = stamps;
    if (auto ctx = load_tls(m_files)) {
      m_ctx = std::move(*ctx);
    } else if (m_warn) {
      m_warn("TLS reload failed, keeping the previous certificate: " + ctx.error().message);
    }
    return m_ctx;
  }

 private:
  TlsFiles m_files;
  std::function<void(std::string_view)> m_warn;
  std::mutex m_mutex;
  std::shared_ptr<ssl::context> m_ctx;
  std::pair<std::optional<FileStamp>, std::optional<FileStamp>> m_stamps;
  SteadyClock::time_point m_checked{};
};

// A few threads for heavy handlers, with a bounded queue: a burst waits its turn or is
// told to come back (503), instead of every request building its result at once.
class WorkPool {
 public:
  void start(std::size_t threads, std::size_t queue_cap) {
    m_cap = queue_cap;
    for (std::size_t i = 0; i < threads; ++i) {
      m_threads.emplace_back([this] { run(); });
    }
  }
  ~WorkPool() { stop(); }

  // force: continuing work of an accepted request (the next chunk): never refused, and
  // not counted against the queue limit, which bounds requests, not their parts.
  bool submit(std::function<void()> task, bool force) {
    {
      const std::lock_guard lock(m_mutex);
      if (m_stopping || (!force && m_new_queued >= m_cap)) {
        return false;
      }
      m_queue.emplace_back(std::move(task), !force);
      if (!force) {
        ++m_new_queued;
      }
    }
    m_ready.notify_one();
    return true;
  }

  std::size_t queued() const {
    const std::lock_guard lock(m_mutex);
    return m_queue.size();
  }

  void stop() {
    {
      const std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_ready.notify_all();
    for (auto& t : m_threads) {
      if (t.joinable()) {
        t.join();
      }
    }
    m_threads.clear();
    m_queue.clear();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) {
          return;
        }
        task = std::move(m_queue.front().first);
        if (m_queue.front().second) {
          --m_new_queued;
        }
        m_queue.pop_front();
      }
      task();
    }
  }

  mutable std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<std::pair<std::function<void()>, bool>> m_queue;  // task, is a new request
  std::vector<std::thread> m_threads;
  std::size_t m_cap = 0;
  std::size_t m_new_queued = 0;
  bool m_stopping = false;
};

class Connection;

}  // namespace

namespace detail {

// Shared by a connection and the EventStream handles of its stream.
struct StreamChannel {
  std::mutex mutex;
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  std::size_t cap = 0;
  bool closed = false;
  bool overflowed = false;
  std::function<void()> wake;  // posts "write what is queued" to the connection
};

}  // namespace detail

EventStream::EventStream(std::shared_ptr<detail::StreamChannel> channel)
    : m_channel(std::move(channel)) {}

bool EventStream::send(std::string data) const {
  std::function<void()> wake;
  bool accepted = false;
  {
    const std::lock_guard lock(m_channel->mutex);
    if (m_channel->closed) {
      return false;
    }
    if (m_channel->queued_bytes + data.size() > m_channel->cap) {
      m_channel->closed = true;  // a reader this far behind is dropped
      m_channel->overflowed = true;
    } else {
      m_channel->queued_bytes += data.size();
      m_channel->queue.push_back(std::move(data));
    }
    wake = m_channel->wake;
    accepted = !m_channel->overflowed;
  }
  if (wake) {
    wake();
  }
  return accepted;
}

bool EventStream::open() const {
  const std::lock_guard lock(m_channel->mutex);
  return !m_channel->closed;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::shared(std::shared_ptr<const std::string> body, std::string content_type) {
  Response r;
  r.shared_body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

struct Server::Impl {
  Impl(ServerConfig c, std::vector<Route> r)
      : config(std::move(c)), routes(std::move(r)), allow(config.host, config.allowed_hosts) {
    io.emplace(static_cast<int>(std::max<std::size_t>(1, config.io_threads)));
    max_body_any = config.limits.max_body_bytes;
    for (const auto& route : routes) {
      max_body_any = std::max(max_body_any, route.max_body_bytes.value_or(0));
    }
  }
  ~Impl() {
    destroying = true;
    pool.stop();
    acceptor.reset();
    drain_timer.reset();
    io.reset();  // destroys pending handlers (and connections) while the members live
  }

  const Route* find_route(std::string_view path) const {
    const Route* best = nullptr;
    for (const auto& route : routes) {
      const bool hit = route.prefix ? path.starts_with(route.path) : path == route.path;
      if (hit && (best == nullptr || route.path.size() > best->path.size() ||
                  (!route.prefix && best->prefix))) {
        best = &route;
      }
    }
    return best;
  }

  // Counts a new connection; false when a limit is reached.
  bool admit(const std::string& peer) {
    const std::lock_guard lock(mutex);
    if (draining || connections >= config.limits.max_connections ||
        per_peer[peer] >= config.limits.max_connections_per_peer) {
      if (per_peer[peer] == 0) {
        per_peer.erase(peer);
      }
      return false;
    }
    ++connections;
    ++per_peer[peer];
    return true;
  }

  void release(const std::string& peer) {
    bool drained = false;
    {
      const std::lock_guard lock(mutex);
      --connections;
      if (--per_peer[peer] == 0) {
        per_peer.erase(peer);
      }
      drained = draining && connections == 0;
    }
    if (drained && !destroying) {
      net::post(*io, [self = this] {
        if (self->drain_timer) {
          self->drain_timer->cancel();
        }
      });
    }
  }

  bool open_stream_slot() {
    const std::lock_guard lock(mutex);
    if (streams >= config.limits.max_streams) {
      return false;
    }
    ++streams;
    return true;
  }
  void close_stream_slot() {
    const std::lock_guard lock(mutex);
    --streams;
  }

  void accept();
  void begin_drain();

  ServerConfig config;
  std::vector<Route> routes;
  HostAllowList allow;
  std::size_t max_body_any = 0;  // the largest body any route accepts
  std::optional<net::io_context> io;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> drain_timer;
  std::unique_ptr<TlsContextCache> tls;
  WorkPool pool;

  mutable std::mutex mutex;  // guards the fields below
  std::size_t connections = 0;
  std::size_t streams = 0;
  std::map<std::string, std::size_t> per_peer;
  std::list<std::weak_ptr<Connection>> live;
  std::atomic<bool> draining = false;
  std::atomic<bool> stop_requested = false;
  std::atomic<bool> destroying = false;
};

namespace {

enum class Phase { handshake, head, body, handling, writing, streaming, closed };

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl& server, tcp::socket socket, std::string peer,
             std::shared_ptr<ssl::context> tls)
      : m_server(server),
        m_plain(std::move(socket)),
        m_timer(m_plain.get_executor()),
        m_peer(std::move(peer)),
        m_buffer(std::max<std::size_t>(server.config.limits.max_head_bytes + 4096, 64 * 1024)) {
    if (tls) {
      m_tls_ctx = std::move(tls);
      m_tls.emplace(std::move(m_plain), *m_tls_ctx);
    }
  }
  ~Connection() {
    if (m_channel) {
      close_channel();
    }
    release_stream_slot();
    m_server.release(m_peer);
  }

  void start() {
    if (m_tls) {
      m_phase = Phase::handshake;
      arm(m_server.config.limits.handshake_timeout);
      m_tls->async_handshake(ssl::stream_base::server,
                             [self = shared_from_this()](beast::error_code ec) {
                               self->disarm();
                               if (ec || self->m_timed_out) {
                                 self->close();
                                 return;
                               }
                               self->read_head(self->m_server.config.limits.head_timeout);
                             });
    } else {
      read_head(m_server.config.limits.head_timeout);
    }
  }

  tcp::socket::executor_type executor() { return lowest().get_executor(); }

  // stop(): idle connections close now, streams end, a request in flight finishes.
  void drain() {
    m_close_after = true;
    if (m_phase == Phase::head && !(m_parser && m_parser->got_some()) && m_buffer.size() == 0) {
      close();
    } else if (m_phase == Phase::streaming) {
      close_channel();
      finish_stream();
    }
  }

 private:
  tcp::socket& lowest() { return m_tls ? m_tls->next_layer() : m_plain; }

  template <class Op>
  void with_stream(Op&& op) {
    if (m_tls) {
      op(*m_tls);
    } else {
      op(m_plain);
    }
  }

  // One deadline per connection, re-set for each phase. The timer itself is re-armed only
  // when the deadline moves earlier than its expiry or it fires early: a keep-alive request
  // then costs no timer operation, instead of one per phase.
  void arm(std::chrono::milliseconds timeout) {
    m_timed_out = false;
    m_deadline = SteadyClock::now() + timeout;
    if (!m_timer_waiting || m_timer.expiry() > m_deadline) {
      start_timer();
    }
  }

  void disarm() { m_deadline = SteadyClock::time_point::max(); }

  void start_timer() {
    m_timer.expires_at(m_deadline);  // a pending wait ends with operation_aborted
    m_timer_waiting = true;
    m_timer.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) {
        return;  // replaced by a newer wait, or cancelled by close()
      }
      self->m_timer_waiting = false;
      if (self->m_deadline == SteadyClock::time_point::max() || self->m_phase == Phase::closed) {
        return;  // disarmed: the next arm() starts a wait
      }
      if (SteadyClock::now() < self->m_deadline) {
        self->start_timer();  // the deadline moved later since this wait began
        return;
      }
      self->m_timed_out = true;
      if (self->m_phase == Phase::head) {
        beast::error_code ignored;
        self->lowest().cancel(ignored);  // the read handler answers 408
      } else {
        self->close();
      }
    });
  }

  void close() {
    if (m_phase == Phase::closed) {
      return;
    }
    m_phase = Phase::closed;
    m_timer.cancel();
    beast::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    if (m_channel) {
      close_channel();
    }
  }

  void read_head(std::chrono::milliseconds timeout) {
    if (m_phase == Phase::closed) {
      return;
    }
    m_phase = Phase::head;
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(m_server.config.limits.max_head_bytes));
    // Beast checks Content-Length against body_limit as the head completes, before the
    // route is known: allow the largest any route takes; route_request() applies the route's.
    m_parser->body_limit(m_server.max_body_any);
    arm(timeout);
    with_stream([&](auto& stream) {
      bhttp::async_read_header(
          stream, m_buffer, *m_parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
    });
  }

  void on_head(beast::error_code ec) {
    disarm();
    if (m_phase == Phase::closed) {
      return;
    }
    if (m_timed_out) {
      if (m_parser->got_some() || m_buffer.size() > 0) {
        fail_and_close(408, "request head not received in time");
      } else {
        close();  // an idle keep-alive connection: just close (RFC 9112 9.6)
      }
      return;
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      fail_and_close(431, "request head too large");
      return;
    }
    if (ec == bhttp::error::body_limit) {
      fail_and_close(413, "request body too large");
      return;
    }
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::error::operation_aborted ||
          ec == ssl::error::stream_truncated || !m_parser->got_some()) {
        close();
      } else {
        fail_and_close(400, "malformed request");
      }
      return;
    }
    route_request();
  }

  void route_request() {
    if (!take_head()) {
      return;
    }
    const Route* route = admit();
    if (route == nullptr) {
      return;
    }
    m_route = route;
    const std::size_t max_body =
        route->max_body_bytes.value_or(m_server.config.limits.max_body_bytes);
    if (const auto length = m_parser->content_length(); length && *length > max_body) {
      fail_and_close(413, "request body too large");
      return;
    }
    if (m_parser->is_done()) {
      dispatch();
      return;
    }
    read_body(max_body);
  }

  // The parsed head within the limits, as m_request; false once it has been answered.
  bool take_head() {
    const auto& limits = m_server.config.limits;
    auto& head = m_parser->get();
    std::size_t fields = 0;
    for (auto it = head.begin(); it != head.end(); ++it) {
      ++fields;
    }
    if (fields > limits.max_header_count) {
      fail_and_close(431, "too many header fields");
      return false;
    }
    if (head.target().size() > limits.max_target_bytes) {
      fail_and_close(414, "request target too long");
      return false;
    }
    auto target = split_target(std::string_view(head.target().data(), head.target().size()));
    if (!target) {
      fail_and_close(400, target.error().message);
      return false;
    }
    m_request = Request{};
    m_request.method = std::string(head.method_string());
    m_request.path = std::move(target->path);
    m_request.query = std::move(target->query);
    m_request.peer = m_peer;
    for (const auto& field : head) {
      m_request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    m_keep_alive = head.keep_alive();
    m_version = head.version();
    m_head_only = head.method() == bhttp::verb::head;
    return true;
  }

  // The route for m_request when its Host, method and token let it through; nullptr once
  // the request has been answered (421, 404, 405, 401).
  const Route* admit() {
    const Route* route = m_server.find_route(m_request.path);
    if (route == nullptr || !route->any_host) {
      const auto host = m_request.header("Host");
      if (!host || !m_server.allow.allows(*host)) {
        respond_error(421, "Host not allowed (see --allowed-host)");
        return nullptr;
      }
    }
    if (route == nullptr) {
      respond_error(404, "not found");
      return nullptr;
    }
    if (!method_allowed(*route)) {
      Response res = Response::json(405, error_body("method not allowed"));
      res.headers.emplace_back("Allow", allow_header(*route));
      respond(std::move(res), false);
      return nullptr;
    }
    if (route->needs_token && m_server.config.bearer_token &&
        !bearer_matches(m_request.header("Authorization").value_or(""),
                        *m_server.config.bearer_token)) {
      Response res = Response::json(401, error_body("missing or wrong bearer token"));
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      respond(std::move(res), false);
      return nullptr;
    }
    return route;
  }

  // The body, at most max_body bytes, within the head timeout; then the route runs.
  void read_body(std::size_t max_body) {
    m_parser->body_limit(max_body);
    m_phase = Phase::body;
    arm(m_server.config.limits.head_timeout);
    with_stream([&](auto& stream) {
      bhttp::async_read(stream, m_buffer, *m_parser,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->disarm();
                          if (ec == bhttp::error::body_limit) {
                            self->fail_and_close(413, "request body too large");
                          } else if (ec || self->m_timed_out) {
                            self->close();
                          } else {
                            self->m_request.body = self->m_parser->get().body();
                            self->dispatch();
                          }
                        });
    });
  }

  bool method_allowed(const Route& route) const {
    return std::any_of(route.methods.begin(), route.methods.end(), [&](const std::string& m) {
      return m == m_request.method || (m == "GET" && m_request.method == "HEAD");
    });
  }

  static std::string allow_header(const Route& route) {
    std::string allow;
    for (const auto& m : route.methods) {
      allow += (allow.empty() ? "" : ", ") + m;
      if (m == "GET") {
        allow += ", HEAD";
      }
    }
    return allow;
  }

  static Response safe_call(const Route& route, const Request& request) {
    try {
      return route.handle(request);
    } catch (const std::exception&) {
      return Response::json(500, error_body("internal error"));
    }
  }

  void dispatch() {
    m_phase = Phase::handling;
    const Route& route = *m_route;
    if (route.work == Work::stream) {
      open_stream();
      return;
    }
    if (route.work == Work::inline_work) {
      respond(safe_call(route, m_request), false);
      return;
    }
    auto tracked = net::prefer(lowest().get_executor(), net::execution::outstanding_work.tracked);
    const bool queued = m_server.pool.submit(
        [self = shared_from_this(), tracked] {
          auto res = std::make_shared<Response>(safe_call(*self->m_route, self->m_request));
          net::post(tracked, [self, res] { self->respond(std::move(*res), false); });
        },
        false);
    if (!queued) {
      Response res = Response::json(503, error_body("busy: too many requests in progress"));
      res.headers.emplace_back("Retry-After",
                               std::to_string(m_server.config.limits.retry_after.count()));
      respond(std::move(res), false);
    }
  }

  void respond_error(int status, std::string_view message) {
    respond(Response::json(status, error_body(message)), false);
  }

  void fail_and_close(int status, std::string_view message) {
    m_head_only = false;
    m_version = 11;
    m_linger = true;
    respond(Response::json(status, error_body(message)), true);
  }

  // RFC 9112 9.6: after an error answer the client may still be sending; closing at once
  // would reset the connection and could destroy the answer before it is read. Half-close,
  // discard what arrives (at most 1 MiB, at most 1 s), then close.
  void lingering_close() {
    beast::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_send, ignored);
    m_phase = Phase::writing;
    m_discard.resize(16 * 1024);
    arm(std::chrono::milliseconds(1000));
    discard_some(0);
  }

  void discard_some(std::size_t taken) {
    lowest().async_read_some(net::buffer(m_discard), [self = shared_from_this(), taken](
                                                         beast::error_code ec, std::size_t n) {
      if (ec || self->m_timed_out || taken + n > (1U << 20)) {
        self->close();
        return;
      }
      self->discard_some(taken + n);
    });
  }

  template <class Message>
  void fill_headers(Message& msg, const Response& res, bool close) {
    msg.version(m_version == 10 ? 10 : 11);
    msg.result(static_cast<unsigned>(res.status));
    for (const auto& [name, value] : m_server.config.default_headers) {
      const bool replaced = std::any_of(res.headers.begin(), res.headers.end(),
                                        [&](const auto& h) { return iequals(h.first, name); });
      if (!replaced) {
        msg.set(name, value);
      }
    }
    for (const auto& [name, value] : res.headers) {
      msg.set(name, value);
    }
    msg.set(bhttp::field::content_type, res.content_type);
    msg.keep_alive(!close);
  }

  void respond(Response res, bool force_close) {
    if (m_phase == Phase::closed) {
      return;
    }
    const bool close = force_close || !m_keep_alive || m_close_after;
    if (res.chunks && m_version >= 11 && !m_head_only) {
      start_chunked(std::move(res), close);
      return;
    }
    if (res.chunks) {
      // HTTP/1.0 has no chunked coding; HEAD sends no body: build the body whole.
      std::string all;
      while (res.chunks(all)) {
      }
      res.body = std::move(all);
    }
    m_out_body = res.shared_body ? std::move(res.shared_body)
                                 : std::make_shared<const std::string>(std::move(res.body));
    m_out.emplace();
    fill_headers(*m_out, res, close);
    m_out->content_length(m_out_body->size());
    if (!m_head_only) {
      m_out->body() =
          bhttp::span_body<const char>::value_type(m_out_body->data(), m_out_body->size());
    }
    m_phase = Phase::writing;
    arm(m_server.config.limits.write_timeout);
    with_stream([&](auto& stream) {
      m_serializer_plain.emplace(*m_out);
      bhttp::async_write(stream, *m_serializer_plain,
                         [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
                           self->after_write(ec, close);
                         });
    });
  }

  void after_write(beast::error_code ec, bool close_now) {
    disarm();
    m_serializer_plain.reset();
    m_out.reset();
    m_out_body.reset();
    if (!ec && !m_timed_out && m_linger) {
      lingering_close();
      return;
    }
    if (ec || m_timed_out || close_now || m_close_after) {
      close();
      return;
    }
    read_head(m_server.config.limits.idle_timeout);
  }

  // Chunked transfer coding (RFC 9112 7.1): the header, then one chunk per part.
  void write_stream_head(const Response& res, bool close, std::function<void()> next) {
    m_head.emplace();
    fill_headers(*m_head, res, close);
    m_head->chunked(true);
    m_head_serializer.emplace(*m_head);
    m_phase = Phase::writing;
    arm(m_server.config.limits.write_timeout);
    with_stream([&](auto& stream) {
      bhttp::async_write_header(
          stream, *m_head_serializer,
          [self = shared_from_this(), next = std::move(next)](beast::error_code ec, std::size_t) {
            self->disarm();
            if (ec || self->m_timed_out) {
              self->close();
              return;
            }
            next();
          });
    });
  }

  void write_chunk(std::shared_ptr<std::string> data, bool last, std::function<void()> next) {
    if (!last && data->empty()) {
      next();  // an empty chunk would end the body (RFC 9112 7.1): nothing to send yet
      return;
    }
    arm(m_server.config.limits.write_timeout);
    auto done = [self = shared_from_this(), data, next = std::move(next)](beast::error_code ec,
                                                                          std::size_t) {
      self->disarm();
      if (ec || self->m_timed_out) {
        self->close();
        return;
      }
      next();
    };
    with_stream([&](auto& stream) {
      if (last && data->empty()) {
        net::async_write(stream, bhttp::make_chunk_last(), std::move(done));
      } else if (last) {
        m_last_chunks.emplace(bhttp::make_chunk(net::const_buffer(data->data(), data->size())),
                              bhttp::make_chunk_last());
        net::async_write(stream, beast::buffers_cat(m_last_chunks->first, m_last_chunks->second),
                         std::move(done));
      } else {
        net::async_write(stream, bhttp::make_chunk(net::const_buffer(data->data(), data->size())),
                         std::move(done));
      }
    });
  }

  void start_chunked(Response res, bool close) {
    m_chunks = std::move(res.chunks);
    write_stream_head(res, close, [self = shared_from_this(), close] { self->next_chunk(close); });
  }

  void next_chunk(bool close) {
    auto produce = [self = shared_from_this(), close] {
      auto data = std::make_shared<std::string>();
      bool more = false;
      try {
        more = self->m_chunks(*data);
      } catch (const std::exception&) {
        more = false;  // the body is cut short; the missing last chunk tells the client
        data.reset();
      }
      return std::tuple{data, more, close};
    };
    auto write = [self = shared_from_this()](std::shared_ptr<std::string> data, bool more,
                                             bool close_after) {
      if (!data) {
        self->close();
        return;
      }
      self->write_chunk(data, !more, [self, more, close_after] {
        if (more) {
          self->next_chunk(close_after);
        } else {
          self->m_chunks = nullptr;
          self->after_write({}, close_after);
        }
      });
    };
    if (m_route != nullptr && m_route->work == Work::pool) {
      auto tracked = net::prefer(lowest().get_executor(), net::execution::outstanding_work.tracked);
      m_server.pool.submit(
          [produce, write, tracked] {
            auto [data, more, c] = produce();
            net::post(tracked, [write, data = data, more = more, c = c] { write(data, more, c); });
          },
          true);
    } else {
      auto [data, more, c] = produce();
      write(data, more, c);
    }
  }

  // text/event-stream (WHATWG HTML "Server-sent events") over chunked coding.
  void open_stream() {
    if (m_server.draining || !m_server.open_stream_slot()) {
      Response res = Response::json(503, error_body("too many event streams"));
      res.headers.emplace_back("Retry-After",
                               std::to_string(m_server.config.limits.retry_after.count()));
      respond(std::move(res), false);
      return;
    }
    m_holds_stream_slot = true;
    Response head;
    head.content_type = "text/event-stream";
    head.headers = {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}};
    if (m_head_only) {
      respond(std::move(head), true);
      return;
    }
    m_channel = std::make_shared<detail::StreamChannel>();
    m_channel->cap = m_server.config.limits.stream_queue_bytes;
    auto executor = lowest().get_executor();
    m_channel->wake = [weak = weak_from_this(), executor] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) {
          self->pump_stream();
        }
      });
    };
    write_stream_head(head, true, [self = shared_from_this()] {
      self->m_phase = Phase::streaming;
      self->watch_for_close();
      self->m_route->open_stream(self->m_request, EventStream(self->m_channel));
      self->pump_stream();
    });
  }

  // The client sends nothing on a stream: any byte or EOF means it is gone.
  void watch_for_close() {
    m_discard.resize(256);
    with_stream([&](auto& stream) {
      stream.async_read_some(
          net::buffer(m_discard),
          [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
    });
  }

  void pump_stream() {
    if (m_phase != Phase::streaming || m_stream_writing || !m_channel) {
      return;
    }
    std::string next;
    bool ended = false;
    bool overflowed = false;
    {
      const std::lock_guard lock(m_channel->mutex);
      overflowed = m_channel->overflowed;
      if (overflowed) {
        ended = true;
      } else if (!m_channel->queue.empty()) {
        next = std::move(m_channel->queue.front());
        m_channel->queue.pop_front();
        m_channel->queued_bytes -= next.size();
      } else if (m_channel->closed) {
        ended = true;
      } else {
        return;
      }
    }
    if (ended) {
      if (overflowed) {
        close();  // a client that does not read is dropped, not waited for
      } else {
        finish_stream();
      }
      return;
    }
    m_stream_writing = true;
    write_chunk(std::make_shared<std::string>(std::move(next)), false, [self = shared_from_this()] {
      self->m_stream_writing = false;
      self->pump_stream();
    });
  }

  void finish_stream() {
    if (m_phase != Phase::streaming || m_stream_writing) {
      return;
    }
    m_stream_writing = true;
    write_chunk(std::make_shared<std::string>(), true,
                [self = shared_from_this()] { self->close(); });
  }

  void close_channel() {
    {
      const std::lock_guard lock(m_channel->mutex);
      m_channel->closed = true;
      m_channel->wake = nullptr;
    }
    release_stream_slot();
  }

  void release_stream_slot() {
    if (m_holds_stream_slot) {
      m_holds_stream_slot = false;
      m_server.close_stream_slot();
    }
  }

  Server::Impl& m_server;
  tcp::socket m_plain;
  std::shared_ptr<ssl::context> m_tls_ctx;
  std::optional<ssl::stream<tcp::socket>> m_tls;
  net::steady_timer m_timer;
  SteadyClock::time_point m_deadline = SteadyClock::time_point::max();
  bool m_timer_waiting = false;
  std::string m_peer;
  beast::flat_buffer m_buffer;
  std::optional<bhttp::request_parser<bhttp::string_body>> m_parser;
  Request m_request;
  const Route* m_route = nullptr;
  Phase m_phase = Phase::head;
  bool m_timed_out = false;
  bool m_keep_alive = false;
  bool m_close_after = false;
  bool m_head_only = false;
  bool m_linger = false;
  unsigned m_version = 11;
  std::shared_ptr<const std::string> m_out_body;
  std::optional<bhttp::response<bhttp::span_body<const char>>> m_out;
  std::optional<bhttp::response_serializer<bhttp::span_body<const char>>> m_serializer_plain;
  std::optional<bhttp::response<bhttp::empty_body>> m_head;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> m_head_serializer;
  std::optional<std::pair<bhttp::chunk_body<net::const_buffer>, bhttp::chunk_last<>>> m_last_chunks;
  ChunkSource m_chunks;
  std::shared_ptr<detail::StreamChannel> m_channel;
  bool m_holds_stream_slot = false;
  bool m_stream_writing = false;
  std::vector<char> m_discard;  // allocated only when lingering or streaming
};

// Over a connection limit: one fixed 503 and close, without reading the request.
void refuse(tcp::socket socket, std::chrono::milliseconds timeout) {
  static const std::string k_body = error_body("too many connections");
  static const std::string k_busy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(k_body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + k_body;
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  auto timer = std::make_shared<net::steady_timer>(sock->get_executor());
  timer->expires_after(timeout);
  timer->async_wait([sock](beast::error_code) {
    beast::error_code ignored;
    sock->close(ignored);
  });
  // Half-close after the answer; the timer closes the socket. Closing at once could reset
  // the connection before the client has read the 503 (unread request bytes make a RST).
  net::async_write(*sock, net::buffer(k_busy), [sock, timer](beast::error_code, std::size_t) {
    beast::error_code ignored;
    sock->shutdown(tcp::socket::shutdown_send, ignored);
  });
}

}  // namespace

void Server::Impl::accept() {
  acceptor->async_accept(
      net::make_strand(*io), [self = this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == net::error::operation_aborted || !self->acceptor->is_open()) {
            return;
          }
          // EMFILE and friends: keep accepting; the connection limits keep this rare.
          self->accept();
          return;
        }
        beast::error_code peer_ec;
        const auto endpoint = socket.remote_endpoint(peer_ec);
        const std::string peer = peer_ec ? std::string("?") : endpoint.address().to_string();
        socket.set_option(tcp::no_delay(true), peer_ec);  // headers and body in one segment
        if (!self->admit(peer)) {
          if (self->tls) {
            socket.close(peer_ec);  // no plaintext answer on a TLS port
          } else {
            refuse(std::move(socket), std::chrono::seconds(1));
          }
        } else {
          auto conn = std::make_shared<Connection>(*self, std::move(socket), peer,
                                                   self->tls ? self->tls->current() : nullptr);
          {
            const std::lock_guard lock(self->mutex);
            std::erase_if(self->live, [](const auto& w) { return w.expired(); });
            self->live.push_back(conn);
          }
          conn->start();
        }
        self->accept();
      });
}

void Server::Impl::begin_drain() {
  std::list<std::weak_ptr<Connection>> conns;
  {
    const std::lock_guard lock(mutex);
    if (draining) {
      return;
    }
    draining = true;
    conns = live;
  }
  beast::error_code ignored;
  if (acceptor) {
    acceptor->close(ignored);
  }
  for (auto& weak : conns) {
    if (auto conn = weak.lock()) {
      net::post(conn->executor(), [conn] { conn->drain(); });
    }
  }
}

Server::Server(ServerConfig config, std::vector<Route> routes)
    : m_impl(std::make_unique<Impl>(std::move(config), std::move(routes))) {}

Server::~Server() {
  stop();
  m_impl->pool.stop();
}

Result<int> Server::bind() {
  Impl& impl = *m_impl;
  if (impl.config.tls) {
    impl.tls = std::make_unique<TlsContextCache>(*impl.config.tls, impl.config.on_warning);
    if (auto loaded = impl.tls->load(); !loaded) {
      return tl::unexpected(loaded.error());
    }
  }
  const auto cannot = [&](const beast::error_code& ec) {
    return fail(ErrorKind::bad_input, "cannot listen on " + impl.config.host + ":" +
                                          std::to_string(impl.config.port) + ": " + ec.message());
  };
  beast::error_code ec;
  const auto address = net::ip::make_address(impl.config.host, ec);
  if (ec) {
    return cannot(ec);
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.config.port));
  impl.acceptor.emplace(*impl.io);
  impl.acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    impl.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl.acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    impl.acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    impl.acceptor.reset();
    return cannot(ec);
  }
  return static_cast<int>(impl.acceptor->local_endpoint().port());
}

void Server::serve() {
  Impl& impl = *m_impl;
  if (!impl.acceptor || impl.stop_requested) {
    return;
  }
  impl.pool.start(std::max<std::size_t>(1, impl.config.limits.heavy_workers),
                  impl.config.limits.heavy_queue);
  impl.accept();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.config.io_threads; ++i) {
    threads.emplace_back([&impl] { impl.io->run(); });
  }
  impl.io->run();
  for (auto& t : threads) {
    t.join();
  }
  impl.pool.stop();
}

void Server::stop() {
  Impl* impl = m_impl.get();
  if (impl->stop_requested.exchange(true)) {
    return;
  }
  net::post(*impl->io, [impl] {
    impl->begin_drain();
    impl->drain_timer.emplace(*impl->io);
    impl->drain_timer->expires_after(impl->config.limits.drain_timeout);
    bool none_left = false;
    {
      const std::lock_guard lock(impl->mutex);
      none_left = impl->connections == 0;
    }
    if (none_left) {
      impl->io->stop();
      return;
    }
    impl->drain_timer->async_wait([impl](beast::error_code) { impl->io->stop(); });
  });
}

ServerStats Server::stats() const {
  const std::lock_guard lock(m_impl->mutex);
  return ServerStats{m_impl->connections, m_impl->streams, m_impl->pool.queued()};
}

}  // namespace ztp::http
