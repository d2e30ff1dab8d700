#pragma once
// Structured logs: one JSON object per line (on stderr in the binaries), so a
// cluster's log pipeline can parse them. Callers pass only non-identifying
// fields: event names, sink names, HTTP status codes, durations, reasons.
// Library code logs only through a Logger it is given; the binary (cmd/, src/cli) decides
// where the lines go. One Logger may be shared by threads (the fleet's sources and server):
// each line is written whole, under a lock, so lines never interleave.

#include <iosfwd>
#include <mutex>
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
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

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
  std::mutex m_mutex;
};

}  // namespace ztp::log
