#pragma once
// The HTTP transport seam of the Kubernetes client. The real one speaks
// verified TLS (tls_transport.h); tests run it against a TLS fake API server.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ztp::k8s {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "PATCH", "GET"
  std::string target;  // origin-form: path and query
  Headers headers;     // Host and Content-Length are the transport's
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  // Case-insensitive lookup (RFC 9110 §5.1).
  std::optional<std::string> header(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An error means no HTTP response arrived: refused, reset, timed out, TLS
  // verification failed, cancelled. Any status code is a response.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace ztp::k8s
