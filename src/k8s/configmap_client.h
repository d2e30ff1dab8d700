#pragma once
// Server-side apply of one data key of one ConfigMap. Knows nothing of probes:
// it moves a string into a key under a field manager.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "k8s/cluster_config.h"
#include "k8s/http.h"

namespace ztp::k8s {

struct ApplyTarget {
  std::string namespace_name;
  std::string name;           // ConfigMap name
  std::string field_manager;  // owns `key` (and shares the labels)
  std::map<std::string, std::string> labels;
  std::string key;
  std::string value;
};

enum class Applied { created, updated };  // 201, 200

struct ApplyError {
  int status = 0;      // HTTP status; 0: no response (transport error)
  std::string reason;  // one line: the kind of refusal and the server's Status message
  std::optional<std::chrono::seconds> retry_after;
  // The server refused this request as such (400 Bad Request, 403 Forbidden, 422 Invalid,
  // e.g. an admission policy): sending it again cannot succeed until someone changes the
  // cluster, so the agent waits for its heartbeat instead of backing off.
  bool permanent = false;
};

// Refusals no retry can fix: 400, 403, 422.
bool permanent_refusal(int status);

class ConfigMapClient {
 public:
  ConfigMapClient(HttpTransport& transport, Credentials credentials, std::string base_path,
                  std::string user_agent)
      : m_transport(transport),
        m_credentials(std::move(credentials)),
        m_base_path(std::move(base_path)),
        m_user_agent(std::move(user_agent)) {}

  // PATCH …/configmaps/<name>?fieldManager=<m>&force=true with an
  // application/apply-patch+yaml body. The token is re-read before the request
  // and once more after a 401.
  tl::expected<Applied, ApplyError> apply(const ApplyTarget& target);

  // The PATCH request apply() sends (without Authorization); tests compare it to kubectl's.
  HttpRequest apply_request(const ApplyTarget& target) const;
  std::uint64_t requests_sent() const { return m_requests; }

 private:
  HttpTransport& m_transport;
  Credentials m_credentials;
  std::string m_base_path;
  std::string m_user_agent;
  std::uint64_t m_requests = 0;
};

// The apply body: apiVersion, kind, metadata {name, namespace, labels}, data {key: value}.
// JSON is YAML 1.2, so the apply-patch+yaml content type takes it as is.
std::string apply_body(const ApplyTarget& target);

// Retry-After (RFC 9110 §10.2.3) in its delay-seconds form; nullopt otherwise.
std::optional<std::chrono::seconds> parse_retry_after(const std::optional<std::string>& value);

// An error response's Status as one line: "Forbidden: <the server's message>" (message cut
// to a few hundred bytes, newlines removed); "HTTP <code>" when the body is no Status.
std::string status_line(const HttpResponse& response);

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string query_escape(std::string_view s);

}  // namespace ztp::k8s
