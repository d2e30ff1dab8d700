#pragma once
// Requests on any API object for the controllers (ztp-prem-enforce): GET, paged lists,
// server-side apply, JSON merge patch, DELETE; the token re-read before each request and
// once more after a 401, as ConfigMapClient does. Knows no probe and no policy.

#include <functional>
#include <string>
#include <string_view>

#include "k8s/cluster_config.h"
#include "k8s/http.h"

namespace ztp::k8s {

class ApiClient {
 public:
  ApiClient(HttpTransport& transport, Credentials credentials, std::string base_path,
            std::string user_agent)
      : m_transport(transport),
        m_credentials(std::move(credentials)),
        m_base_path(std::move(base_path)),
        m_user_agent(std::move(user_agent)) {}

  // Any status is a response; an error means none arrived (or the token is unreadable).
  Result<HttpResponse> get(std::string_view path);
  // PATCH path?fieldManager=m&force=true, application/apply-patch+yaml (JSON is YAML).
  Result<HttpResponse> apply(std::string_view path, std::string body, std::string_view manager);
  // PATCH with application/merge-patch+json (RFC 7386): replaces lists wholesale.
  Result<HttpResponse> merge_patch(std::string_view path, std::string body,
                                   std::string_view manager);
  Result<HttpResponse> remove(std::string_view path);

  // Lists every page of a collection (limit/continue, api-concepts "Retrieving large
  // results sets in chunks"): on_page gets each 200 body and returns the continue token
  // it found (empty: last page) or an error. path may carry a query already.
  using PageHandler = std::function<Result<std::string>(std::string_view body)>;
  Result<void> list(std::string_view path, std::size_t limit, const PageHandler& on_page);

  std::uint64_t requests_sent() const { return m_requests; }

 private:
  Result<HttpResponse> send(HttpRequest request);

  HttpTransport& m_transport;
  Credentials m_credentials;
  std::string m_base_path;
  std::string m_user_agent;
  std::uint64_t m_requests = 0;
};

// "<status line>" of an unexpected response, for one log line: "403 Forbidden: ...".
std::string describe(const HttpResponse& response);

}  // namespace ztp::k8s
