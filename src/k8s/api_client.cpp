#include "k8s/api_client.h"

#include "k8s/configmap_client.h"

namespace ztp::k8s {

Result<HttpResponse> ApiClient::send(HttpRequest request) {
  request.target = m_base_path + request.target;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", m_user_agent);
  Result<HttpResponse> res = fail(ErrorKind::io_error, "not sent");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = current_token(m_credentials);
    if (!token) {
      return fail(token.error().kind, "cannot read the token: " + token.error().message);
    }
    HttpRequest sent = request;
    if (*token) {
      sent.headers.emplace_back("Authorization", "Bearer " + **token);
    }
    ++m_requests;
    res = m_transport.send(sent);
    // The token may have rotated between our read and the server's check: once more.
    if (!res || res->status != 401) {
      break;
    }
  }
  return res;
}

Result<HttpResponse> ApiClient::get(std::string_view path) {
  return send(HttpRequest{"GET", std::string(path), {}, {}});
}

Result<HttpResponse> ApiClient::apply(std::string_view path, std::string body,
                                      std::string_view manager) {
  // force=true: this manager is the one writer of the fields it applies
  // (k8s.io/docs/reference/using-api/server-side-apply/#conflicts).
  const char sep = path.find('?') == std::string_view::npos ? '?' : '&';
  return send(
      HttpRequest{"PATCH",
                  std::string(path) + sep + "fieldManager=" + query_escape(manager) + "&force=true",
                  {{"Content-Type", "application/apply-patch+yaml"}},
                  std::move(body)});
}

Result<HttpResponse> ApiClient::merge_patch(std::string_view path, std::string body,
                                            std::string_view manager) {
  const char sep = path.find('?') == std::string_view::npos ? '?' : '&';
  return send(HttpRequest{"PATCH",
                          std::string(path) + sep + "fieldManager=" + query_escape(manager),
                          {{"Content-Type", "application/merge-patch+json"}},
                          std::move(body)});
}

Result<HttpResponse> ApiClient::remove(std::string_view path) {
  return send(HttpRequest{"DELETE", std::string(path), {}, {}});
}

Result<void> ApiClient::list(std::string_view path, std::size_t limit, const PageHandler& on_page) {
  std::string continue_token;
  const char sep = path.find('?') == std::string_view::npos ? '?' : '&';
  do {
    std::string target = std::string(path) + sep + "limit=" + std::to_string(limit);
    if (!continue_token.empty()) {
      target += "&continue=" + query_escape(continue_token);
    }
    auto r = get(target);
    if (!r) {
      return tl::unexpected(r.error());
    }
    if (r->status != 200) {
      return fail(r->status == 403 ? ErrorKind::permission_denied : ErrorKind::io_error,
                  "list " + std::string(path) + ": " + describe(*r));
    }
    auto next = on_page(r->body);
    if (!next) {
      return tl::unexpected(next.error());
    }
    continue_token = std::move(*next);
  } while (!continue_token.empty());
  return {};
}

std::string describe(const HttpResponse& response) {
  return std::to_string(response.status) + " " + status_line(response);
}

}  // namespace ztp::k8s
