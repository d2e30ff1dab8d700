#include "common/cli_values.h"

#include <charconv>
#include <cstdlib>

namespace ztp {

std::optional<std::chrono::seconds> parse_duration(std::string_view text,
                                                   std::chrono::seconds max) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::chrono::seconds total{0};
  while (!text.empty()) {
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // Bounded before any multiplication: no overflow, and nothing beyond max.
    if (ec != std::errc{} || ptr == text.data() + text.size() || value < 0 || value > max.count()) {
      return std::nullopt;
    }
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    const char unit = text.front();
    text.remove_prefix(1);
    switch (unit) {
      case 's':
        total += std::chrono::seconds(value);
        break;
      case 'm':
        total += std::chrono::minutes(value);
        break;
      case 'h':
        total += std::chrono::hours(value);
        break;
      case 'd':
        total += std::chrono::hours(24 * value);
        break;
      default:
        return std::nullopt;
    }
  }
  if (total.count() == 0 || total > max) {
    return std::nullopt;
  }
  return total;
}

std::optional<ListenAddress> parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // RFC 3986 IP-literal
  }
  int port = -1;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  // Ports are 16-bit (RFC 793).
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535 ||
      host.empty()) {
    return std::nullopt;
  }
  return ListenAddress{std::string(host), port};
}

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return std::nullopt;
  }
  return std::string(v);
}

}  // namespace ztp
