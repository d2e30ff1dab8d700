#pragma once
// The one RFC 3339 format of every document, record and log line: UTC, "Z", whole seconds
// ("2026-11-27T19:08:49Z") or, in log lines, milliseconds ("2026-11-27T19:08:49.123Z").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ztp {

std::string format_rfc3339(std::chrono::system_clock::time_point t);
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

// Exactly "YYYY-MM-DDThh:mm:ssZ" (RFC 3339 5.6, UTC, no fraction). A real calendar date;
// second 60 (a leap second) counts as :59; a date the clock cannot hold (system_clock
// counts nanoseconds in 64 bits: 1677 to 2262) is refused, never wrapped.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace ztp
