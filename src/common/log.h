#pragma once
// Structured logs: one JSON object per line (on stderr in the binaries), so a
// cluster's log pipeline can parse them. Callers pass only non-identifying
// fields: event names, sink names, HTTP status codes, durations, reasons.

#include <iosfwd>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace ztp::log {

enum class Level { debug, info, warn, error };
std::string_view to_string(Level level);

class Logger {
 public:
  Logger(std::ostream& out, const Clock& clock, Level min_level = Level::info)
      : m_out(out), m_clock(clock), m_min(min_level) {}

  // {"time":"…Z","level":"info","event":"<event>", …fields}. fields must be an object.
  void write(Level level, std::string_view event,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());
  void debug(std::string_view event, const nlohmann::ordered_json& fields = {}) {
    write(Level::debug, event, fields);
  }
  void info(std::string_view event, const nlohmann::ordered_json& fields = {}) {
    write(Level::info, event, fields);
  }
  void warn(std::string_view event, const nlohmann::ordered_json& fields = {}) {
    write(Level::warn, event, fields);
  }
  void error(std::string_view event, const nlohmann::ordered_json& fields = {}) {
    write(Level::error, event, fields);
  }

 private:
  std::ostream& m_out;
  const Clock& m_clock;
  Level m_min;
};

}  // namespace ztp::log
