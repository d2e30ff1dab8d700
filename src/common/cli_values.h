#pragma once
// Values every command line takes the same way: durations, listen addresses and the
// environment variables a pod is given.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ztp {

// The longest duration a flag accepts unless it says otherwise: a month. Bounded so nothing
// wraps (BUG-14).
inline constexpr std::chrono::seconds k_max_duration = std::chrono::hours(24 * 30);

// "30m", "90s", "2h", "7d", "1h30m"; nullopt for anything else, zero, or more than max.
std::optional<std::chrono::seconds> parse_duration(std::string_view text,
                                                   std::chrono::seconds max = k_max_duration);

// "127.0.0.1:8080", "[::1]:8080", "localhost:0".
struct ListenAddress {
  std::string host;
  int port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

// An environment variable's value; nullopt when it is unset or empty (an empty
// KUBERNETES_SERVICE_HOST names no API server, so it reads as "not in a pod").
std::optional<std::string> env_value(const char* name);

}  // namespace ztp
