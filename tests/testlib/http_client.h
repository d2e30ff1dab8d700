#pragma once
// A small blocking HTTP/1.1 client for tests (Boost.Beast), plain or TLS without
// verification, plus a raw socket for sending malformed or slow requests.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ztp::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;  // 0: no response (refused, reset, timed out)
  HttpHeaders headers;
  std::string body;
  std::string error;             // why status is 0
  std::string peer_certificate;  // TLS: the server's certificate (PEM)
  std::optional<std::string> header(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
};

class HttpClient {
 public:
  explicit HttpClient(int port, bool tls = false) : m_port(port), m_tls(tls) {}
  void set_timeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

  // One request on a new connection. Host defaults to 127.0.0.1:port.
  HttpReply get(const std::string& target, const HttpHeaders& headers = {},
                const std::string& method = "GET") const;
  // A streaming GET: on_data gets the body as it arrives; returning false ends it.
  HttpReply stream(const std::string& target, const std::function<bool(std::string_view)>& on_data,
                   const HttpHeaders& headers = {}) const;

 private:
  int m_port;
  bool m_tls;
  std::chrono::milliseconds m_timeout{10000};
};

// A plain TCP connection to 127.0.0.1:port from source address `from` (any 127.x.y.z:
// tests tell an attacker's connections from a prober's by address).
class RawSocket {
 public:
  explicit RawSocket(int port, const std::string& from = "127.0.0.1");
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  bool connected() const { return m_fd >= 0; }
  // False once the peer closed or reset.
  bool send(std::string_view bytes);
  // What arrives until the peer closes or `timeout` passes (at most max_bytes).
  std::string receive(std::chrono::milliseconds timeout, std::size_t max_bytes = 1 << 20);
  // Whether the peer closed the connection within timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int m_fd = -1;
};

// This process's VmRSS / another's, in KiB (from /proc/<pid>/status).
long rss_kib(int pid);

}  // namespace ztp::testing
