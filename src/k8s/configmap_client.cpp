#include "k8s/configmap_client.h"

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace ztp::k8s {
namespace {

// Server-side apply content type (k8s.io/docs/reference/using-api/server-side-apply/).
constexpr const char* k_apply_content_type = "application/apply-patch+yaml";
// A Retry-After larger than this is treated as this (the agent caps it further).
constexpr std::uint64_t k_max_retry_after_s = 3600;

// A Status message longer than this is cut: one log line, not a dump of the server's answer.
constexpr std::size_t k_max_message = 400;

// The API server answers errors with a Status object
// (k8s.io/docs/reference/kubernetes-api/common-definitions/status/): "reason" is a fixed
// CamelCase word (Forbidden, Invalid, ...), "message" says why in words (an admission
// policy's message, the RBAC rule missing). Both are relayed: the reason alone ("Invalid")
// tells an operator nothing.
struct StatusText {
  std::string reason;
  std::string message;  // one line, possibly empty
};

StatusText status_text(const HttpResponse& r) {
  StatusText out{"HTTP " + std::to_string(r.status), {}};
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) {
    return out;
  }
  if (j.contains("reason") && j["reason"].is_string() && !j["reason"].get<std::string>().empty()) {
    out.reason = j["reason"].get<std::string>();
  }
  if (j.contains("message") && j["message"].is_string()) {
    std::string m = j["message"].get<std::string>();
    for (char& c : m) {
      if (c == '\n' || c == '\r' || c == '\t') {
        c = ' ';
      }
    }
    if (m.size() > k_max_message) {
      m.resize(k_max_message);
      m += "...";
    }
    out.message = std::string(text::trim(m));
  }
  return out;
}

// RBAC's refusal reads 'User "..." cannot patch resource "configmaps" ...'; a 403 from an
// admission policy (reason: Forbidden) does not, and gets no RBAC hint.
bool rbac_denial(const StatusText& s) {
  return s.message.empty() || s.message.find("cannot ") != std::string::npos;
}

}  // namespace

std::string status_line(const HttpResponse& r) {
  const StatusText s = status_text(r);
  return s.message.empty() ? s.reason : s.reason + ": " + s.message;
}

bool permanent_refusal(int status) { return status == 400 || status == 403 || status == 422; }

std::string query_escape(std::string_view s) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xf];
    }
  }
  return out;
}

std::optional<std::chrono::seconds> parse_retry_after(const std::optional<std::string>& value) {
  if (!value) {
    return std::nullopt;
  }
  const std::string_view v = text::trim(*value);
  if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;  // HTTP-date form: the agent's own backoff applies
  }
  const auto n = text::parse_u64(v);
  if (!n) {
    return std::nullopt;
  }
  return std::chrono::seconds(static_cast<long long>(std::min(*n, k_max_retry_after_s)));
}

std::string apply_body(const ApplyTarget& t) {
  nlohmann::ordered_json body;
  body["apiVersion"] = "v1";
  body["kind"] = "ConfigMap";
  body["metadata"]["name"] = t.name;
  body["metadata"]["namespace"] = t.namespace_name;
  if (!t.labels.empty()) {
    body["metadata"]["labels"] = t.labels;
  }
  body["data"][t.key] = t.value;
  // nlohmann never writes "\/" (go-yaml rejects it) and keeps UTF-8 as is.
  return body.dump();
}

HttpRequest ConfigMapClient::apply_request(const ApplyTarget& t) const {
  HttpRequest req;
  req.method = "PATCH";
  // Path: k8s.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/
  // force=true: this manager is the only writer of its key and takes it back
  // from anyone who edited it by hand (server-side-apply "Conflicts").
  req.target = m_base_path + "/api/v1/namespaces/" + query_escape(t.namespace_name) +
               "/configmaps/" + query_escape(t.name) +
               "?fieldManager=" + query_escape(t.field_manager) + "&force=true";
  req.headers = {{"Content-Type", k_apply_content_type},
                 {"Accept", "application/json"},
                 {"User-Agent", m_user_agent}};
  req.body = apply_body(t);
  return req;
}

tl::expected<Applied, ApplyError> ConfigMapClient::apply(const ApplyTarget& target) {
  HttpRequest req = apply_request(target);
  Result<HttpResponse> res = fail(ErrorKind::io_error, "not sent");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = current_token(m_credentials);
    if (!token) {
      return tl::unexpected(ApplyError{0, "cannot read the token: " + token.error().message, {}});
    }
    HttpRequest sent = req;
    if (*token) {
      sent.headers.emplace_back("Authorization", "Bearer " + **token);
    }
    ++m_requests;
    res = m_transport.send(sent);
    // A 401 may mean the token rotated between our read and the server's check:
    // re-read it and try exactly once more.
    if (!res || res->status != 401) {
      break;
    }
  }
  if (!res) {
    return tl::unexpected(ApplyError{0, res.error().message, {}});
  }
  const HttpResponse& r = *res;
  switch (r.status) {
    case 201:
      return Applied::created;
    case 200:
      return Applied::updated;
    case 401:
      return tl::unexpected(ApplyError{401, "unauthorized: the token was rejected", {}});
    case 403: {
      const StatusText s = status_text(r);
      std::string reason = "forbidden";
      if (!s.message.empty()) {
        reason += ": " + s.message;
      }
      if (rbac_denial(s)) {
        reason += " (the service account needs get, create and patch on configmaps in namespace " +
                  target.namespace_name + ")";
      }
      return tl::unexpected(ApplyError{403, reason, {}, true});
    }
    case 409:
      return tl::unexpected(ApplyError{409, "conflict: " + status_line(r), {}});
    case 429:
      return tl::unexpected(ApplyError{429, "throttled: " + status_line(r),
                                       parse_retry_after(r.header("Retry-After"))});
    default:
      return tl::unexpected(ApplyError{r.status, "rejected: " + status_line(r),
                                       parse_retry_after(r.header("Retry-After")),
                                       permanent_refusal(r.status)});
  }
}

}  // namespace ztp::k8s
