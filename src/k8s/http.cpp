#include "k8s/http.h"

namespace ztp::k8s {

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [&](char a, char b) { return lower(a) == lower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

Result<int> HttpTransport::stream(const HttpRequest& request, const ChunkHandler& on_data) {
  auto response = send(request);
  if (!response) {
    return tl::unexpected(response.error());
  }
  if (!response->body.empty()) {
    on_data(response->body);
  }
  return response->status;
}

}  // namespace ztp::k8s
