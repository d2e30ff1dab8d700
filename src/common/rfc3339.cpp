#include "common/rfc3339.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace ztp {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

std::string whole_seconds(TimePoint t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch());
  const std::time_t tt = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(buf, n);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

}  // namespace

std::string format_rfc3339(TimePoint t) { return whole_seconds(t) + "Z"; }

std::string format_rfc3339_ms(TimePoint t) {
  const auto since_epoch = t.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(millis.count()));
  return whole_seconds(t) + frac;
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
  constexpr std::string_view k_layout = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != k_layout.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (k_layout[i] == 'd' ? !is_digit(s[i]) : s[i] != k_layout[i]) {
      return std::nullopt;
    }
  }
  const int year = two_digits(s, 0) * 100 + two_digits(s, 2);
  const auto ymd = std::chrono::year{year} /
                   std::chrono::month{static_cast<unsigned>(two_digits(s, 5))} /
                   std::chrono::day{static_cast<unsigned>(two_digits(s, 8))};
  const int hour = two_digits(s, 11);
  const int minute = two_digits(s, 14);
  const int second = two_digits(s, 17);
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const std::int64_t seconds =
      std::int64_t{std::chrono::sys_days{ymd}.time_since_epoch().count()} * 86400 + hour * 3600 +
      minute * 60 + std::min(second, 59);
  constexpr auto k_limit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max());
  if (seconds > k_limit.count() || seconds < -k_limit.count()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{seconds})};
}

}  // namespace ztp
