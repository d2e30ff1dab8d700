#pragma once
// The HTTP transport seam of the Kubernetes client. The real one speaks
// verified TLS (tls_transport.h); tests run it against a TLS fake API server.

#include <functional>
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
  // A streaming response (a watch): on_data receives the body as it arrives, in chunks
  // of any size; returning false ends the exchange early. Returns the status code once
  // the body ended (or on_data stopped it); an error means the exchange broke or was
  // cancelled. A transport that cannot stream delivers send()'s whole body at once.
  using ChunkHandler = std::function<bool(std::string_view chunk)>;
  virtual Result<int> stream(const HttpRequest& request, const ChunkHandler& on_data);
};

}  // namespace ztp::k8s
