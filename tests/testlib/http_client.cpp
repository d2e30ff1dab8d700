#include "testlib/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <fstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace ztp::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <class Stream>
HttpReply exchange(Stream& stream, beast::tcp_stream& lowest, int port, const std::string& target,
                   const HttpHeaders& headers, const std::string& method,
                   const std::function<bool(std::string_view)>* on_data,
                   std::chrono::milliseconds timeout) {
  HttpReply reply;
  bhttp::request<bhttp::empty_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.keep_alive(false);
  beast::error_code ec;
  lowest.expires_after(timeout);
  bhttp::write(stream, req, ec);
  if (ec) {
    reply.error = ec.message();
    return reply;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") {
    parser.skip(true);
  }
  bhttp::read_header(stream, buffer, parser, ec);
  if (ec) {
    reply.error = ec.message();
    return reply;
  }
  reply.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (on_data != nullptr) {
    // Read piecewise and hand over what the body grew by.
    std::size_t seen = 0;
    while (!parser.is_done()) {
      lowest.expires_after(timeout);
      bhttp::read_some(stream, buffer, parser, ec);
      if (ec) {
        reply.error = ec.message();
        break;
      }
      auto& body = parser.get().body();
      if (body.size() > seen) {
        const bool more = (*on_data)(std::string_view(body).substr(seen));
        seen = body.size();
        if (!more) {
          break;
        }
      }
    }
    reply.body = parser.get().body();
    return reply;
  }
  bhttp::read(stream, buffer, parser, ec);
  if (ec && ec != bhttp::error::end_of_stream) {
    reply.error = ec.message();
  }
  reply.body = parser.get().body();
  return reply;
}

HttpReply run(int port, bool tls, const std::string& target, const HttpHeaders& headers,
              const std::string& method, const std::function<bool(std::string_view)>* on_data,
              std::chrono::milliseconds timeout) {
  net::io_context io;
  beast::tcp_stream lowest(io);
  beast::error_code ec;
  lowest.expires_after(timeout);
  lowest.connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
  if (ec) {
    HttpReply reply;
    reply.error = ec.message();
    return reply;
  }
  if (!tls) {
    return exchange(lowest, lowest, port, target, headers, method, on_data, timeout);
  }
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_verify_mode(net::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream&> stream(lowest, ctx);
  stream.handshake(net::ssl::stream_base::client, ec);
  if (ec) {
    HttpReply reply;
    reply.error = "handshake: " + ec.message();
    return reply;
  }
  auto reply = exchange(stream, lowest, port, target, headers, method, on_data, timeout);
  if (X509* cert = SSL_get1_peer_certificate(stream.native_handle())) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    reply.peer_certificate.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    X509_free(cert);
  }
  return reply;
}

}  // namespace

std::optional<std::string> HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

HttpReply HttpClient::get(const std::string& target, const HttpHeaders& headers,
                          const std::string& method) const {
  return run(m_port, m_tls, target, headers, method, nullptr, m_timeout);
}

HttpReply HttpClient::stream(const std::string& target,
                             const std::function<bool(std::string_view)>& on_data,
                             const HttpHeaders& headers) const {
  return run(m_port, m_tls, target, headers, "GET", &on_data, m_timeout);
}

RawSocket::RawSocket(int port, const std::string& from) {
  m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_fd < 0) {
    return;
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  // NOLINTNEXTLINE: the sockets API takes sockaddr*.
  if (::bind(m_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(m_fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(m_fd);
    m_fd = -1;
  }
}

RawSocket::~RawSocket() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

bool RawSocket::send(std::string_view bytes) {
  while (!bytes.empty() && m_fd >= 0) {
    const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return m_fd >= 0;
}

std::string RawSocket::receive(std::chrono::milliseconds timeout, std::size_t max_bytes) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (m_fd >= 0 && out.size() < max_bytes) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char buf[4096];
    const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawSocket::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buf[4096];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) {
        return true;
      }
    }
  }
  return false;
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

}  // namespace ztp::testing
