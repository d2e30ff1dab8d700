#include "k8s/tls_transport.h"

#include <unistd.h>

#include <array>
#include <cerrno>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

namespace ztp::k8s {

TlsOptions tls_options_for(const ClusterConfig& config) {
  TlsOptions tls;
  tls.host = config.host;
  tls.port = config.port;
  tls.ca_pem = config.ca_pem;
  tls.server_name = config.tls_server_name;
  tls.client_cert_pem = config.credentials.client_cert_pem;
  tls.client_key_pem = config.credentials.client_key_pem;
  return tls;
}

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// Largest response we accept: a ConfigMap is capped at 1 MiB of data
// (k8s.io/docs/concepts/configuration/configmap/); the rest is metadata.
constexpr std::uint64_t k_max_response_body = 4 * 1024 * 1024;
// Read size for streamed bodies: one watch event of a small ConfigMap fits.
constexpr std::size_t k_stream_buffer_bytes = 16 * 1024;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string authority(const std::string& host, const std::string& port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

}  // namespace

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct TlsTransport::Impl {
  TlsOptions options;
  ssl::context ctx{ssl::context::tls_client};
  // keep_alive: the connection send() reuses, and the io_context it lives on.
  net::io_context kept_ioc;
  std::unique_ptr<TlsStream> kept;
  bool kept_open = false;  // connected and handshaken; the server has not asked to close

  // Connects, verifies the peer, writes the request. The deadline set here is left running.
  net::awaitable<void> open(TlsStream& stream, const HttpRequest& request, bool reuse) {
    auto& tcp_layer = beast::get_lowest_layer(stream);
    // One absolute deadline for connect to last byte (beast tcp_stream timeouts).
    tcp_layer.expires_after(options.timeout);
    if (reuse && kept_open) {
      co_await write_request(stream, request, true);
      co_return;
    }
    if (is_ip_literal(options.host)) {
      const tcp::endpoint ep(net::ip::make_address(options.host),
                             static_cast<unsigned short>(std::stoul(options.port)));
      co_await tcp_layer.async_connect(ep, net::use_awaitable);
    } else {
      tcp::resolver resolver(co_await net::this_coro::executor);
      const auto results =
          co_await resolver.async_resolve(options.host, options.port, net::use_awaitable);
      co_await tcp_layer.async_connect(results, net::use_awaitable);
    }
    // Header and body leave as separate TLS records: without TCP_NODELAY the body waits
    // for the peer's delayed ACK of the header (Nagle, RFC 896; ~40 ms on Linux).
    tcp_layer.socket().set_option(tcp::no_delay(true));
    co_await stream.async_handshake(ssl::stream_base::client, net::use_awaitable);
    kept_open = reuse;
    co_await write_request(stream, request, reuse);
  }

  net::awaitable<void> write_request(TlsStream& stream, const HttpRequest& request,
                                     bool keep_alive) {
    http::request<http::string_body> req;
    req.method(http::string_to_verb(request.method));
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    req.set(http::field::host, authority(options.host, options.port));
    for (const auto& [name, value] : request.headers) {
      req.set(name, value);
    }
    req.keep_alive(keep_alive);  // HTTP/1.1: "Connection: close" unless kept alive
    req.body() = request.body;
    req.prepare_payload();
    co_await http::async_write(stream, req, net::use_awaitable);
  }

  net::awaitable<HttpResponse> exchange(TlsStream& stream, const HttpRequest& request, bool reuse) {
    co_await open(stream, request, reuse);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(k_max_response_body);
    co_await http::async_read(stream, buffer, parser, net::use_awaitable);
    auto& res = parser.get();
    kept_open = kept_open && res.keep_alive();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    co_return out;
  }

  // Reads the body piece by piece as the server sends it (buffer_body: Beast fills a
  // caller buffer and reports need_buffer each time it is full; Beast docs "Incremental Read").
  net::awaitable<int> stream_exchange(TlsStream& stream, const HttpRequest& request,
                                      const HttpTransport::ChunkHandler& on_data) {
    co_await open(stream, request, false);
    auto& tcp_layer = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);  // a watch has no length; each read is bounded below
    co_await http::async_read_header(stream, buffer, parser, net::use_awaitable);
    const int status = static_cast<int>(parser.get().result_int());
    std::array<char, k_stream_buffer_bytes> chunk{};
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      tcp_layer.expires_after(options.stream_idle_timeout);
      boost::system::error_code ec;
      co_await http::async_read_some(stream, buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
      if (ec && ec != http::error::need_buffer) {
        throw boost::system::system_error(ec);
      }
      const std::size_t used = chunk.size() - parser.get().body().size;
      if (used > 0 && !on_data(std::string_view(chunk.data(), used))) {
        break;
      }
    }
    co_return status;
  }
};

TlsTransport::TlsTransport(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TlsTransport::~TlsTransport() = default;

Result<std::unique_ptr<TlsTransport>> TlsTransport::create(TlsOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const TlsOptions& o = impl->options;
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(impl->ctx.native_handle(), TLS1_2_VERSION);
  impl->ctx.set_verify_mode(ssl::verify_peer, ec);
  if (o.ca_pem.empty()) {
    return fail(ErrorKind::bad_input,
                "no certificate authority configured; TLS is always verified");
  }
  impl->ctx.add_certificate_authority(net::buffer(o.ca_pem), ec);
  if (ec) {
    return fail(ErrorKind::bad_input, "cannot load the CA certificate: " + ec.message());
  }
  if (o.client_cert_pem || o.client_key_pem) {
    if (!o.client_cert_pem || !o.client_key_pem) {
      return fail(ErrorKind::bad_input, "a client certificate needs both certificate and key");
    }
    impl->ctx.use_certificate_chain(net::buffer(*o.client_cert_pem), ec);
    if (!ec) {
      impl->ctx.use_private_key(net::buffer(*o.client_key_pem), ssl::context::pem, ec);
    }
    if (ec) {
      return fail(ErrorKind::bad_input, "cannot load the client certificate: " + ec.message());
    }
  }
  if (o.port.empty() || o.port.find_first_not_of("0123456789") != std::string::npos ||
      o.port.size() > 5 || std::stoul(o.port) == 0 || std::stoul(o.port) > 65535) {
    return fail(ErrorKind::bad_input, "bad API server port '" + o.port + "'");
  }
  return std::unique_ptr<TlsTransport>(new TlsTransport(std::move(impl)));
}

namespace {

// The name the server's certificate must carry, and SNI (RFC 6066 §3) for it: SNI carries
// names only, never IP literals.
void expect_peer_name(TlsStream& stream, const std::string& verify_name) {
  if (!is_ip_literal(verify_name)) {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(verify_name.c_str()));
  }
  stream.set_verify_callback(ssl::host_name_verification(verify_name));
}

// cancel_fd readable (stop()) closes the socket, which ends any exchange in flight at once.
// The descriptor is a dup, so the caller's stays open; nullopt when there is none.
std::optional<net::posix::stream_descriptor> watch_cancel(net::io_context& ioc, int cancel_fd,
                                                          TlsStream& stream, bool& cancelled) {
  std::optional<net::posix::stream_descriptor> cancel;
  const int fd = cancel_fd >= 0 ? ::dup(cancel_fd) : -1;
  if (fd < 0) {
    return cancel;
  }
  cancel.emplace(ioc, fd);
  cancel->async_wait(net::posix::stream_descriptor::wait_read,
                     [&stream, &cancelled](const boost::system::error_code& ec) {
                       if (!ec) {
                         cancelled = true;
                         beast::get_lowest_layer(stream).cancel();
                         beast::get_lowest_layer(stream).close();
                       }
                     });
  return cancel;
}

// What an exchange that threw failed with, as one line.
Error exchange_error(std::exception_ptr e, std::chrono::milliseconds timeout) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const boost::system::system_error& err) {
    std::string what = err.code().message();
    if (err.code() == beast::error::timeout) {
      what = "timed out after " + std::to_string(timeout.count()) + " ms";
    }
    if (err.code().category() == net::error::get_ssl_category()) {
      what = "TLS: " + what;
    }
    // A body over the cap is the one failure a caller can fix (ask for a smaller page):
    // say so in errno, not only in the text.
    const int sys_errno = err.code() == http::error::body_limit ? EMSGSIZE : 0;
    return Error{ErrorKind::io_error, what, sys_errno};
  } catch (const std::exception& err) {
    return Error{ErrorKind::io_error, err.what()};
  }
}

}  // namespace

template <typename T, typename Exchange>
Result<T> TlsTransport::run(Exchange&& exchange, bool reuse) {
  const TlsOptions& o = m_impl->options;
  Impl& impl = *m_impl;
  std::optional<net::io_context> own_ioc;
  std::unique_ptr<TlsStream> own_stream;
  if (reuse && !impl.kept_open) {
    impl.kept.reset();  // a new connection: the old one was closed, failed or never made
    impl.kept_ioc.restart();
  }
  const bool fresh = !reuse || !impl.kept;
  net::io_context& ioc = reuse ? impl.kept_ioc : own_ioc.emplace();
  if (fresh) {
    own_stream = std::make_unique<TlsStream>(ioc, impl.ctx);
    expect_peer_name(*own_stream, o.server_name.value_or(o.host));
  }
  TlsStream& stream = fresh ? *own_stream : *impl.kept;
  bool cancelled = false;
  auto cancel = watch_cancel(ioc, o.cancel_fd, stream, cancelled);

  Result<T> result = fail(ErrorKind::io_error, "request did not complete");
  net::co_spawn(ioc, exchange(stream), [&](std::exception_ptr e, T value) {
    if (cancel) {
      boost::system::error_code ignored;
      cancel->cancel(ignored);
    }
    result =
        e ? Result<T>(tl::unexpected(exchange_error(e, o.timeout))) : Result<T>(std::move(value));
  });
  ioc.run();
  if (reuse) {
    ioc.restart();
    if (!result) {
      impl.kept_open = false;
    }
    if (fresh && impl.kept_open) {
      impl.kept = std::move(own_stream);
    }
  }
  if (cancelled && !result) {
    return fail(ErrorKind::io_error, "cancelled by shutdown");
  }
  return result;
}

Result<HttpResponse> TlsTransport::send(const HttpRequest& request) {
  const bool reuse = m_impl->options.keep_alive;
  const bool was_open = reuse && m_impl->kept_open;
  auto exchange = [&](TlsStream& stream) { return m_impl->exchange(stream, request, reuse); };
  auto result = run<HttpResponse>(exchange, reuse);
  if (!result && was_open && !m_impl->kept_open) {
    // The server may close an idle persistent connection at any time (RFC 9112 section
    // 9.6): one retry on a fresh connection.
    result = run<HttpResponse>(exchange, reuse);
  }
  return result;
}

Result<int> TlsTransport::stream(const HttpRequest& request, const ChunkHandler& on_data) {
  return run<int>(
      [&](TlsStream& stream) { return m_impl->stream_exchange(stream, request, on_data); }, false);
}

}  // namespace ztp::k8s
