#include "common/log.h"

#include <ostream>
#include <string>

#include "common/rfc3339.h"

namespace ztp::log {

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "error";
}

void Logger::write(Level level, std::string_view event, const nlohmann::ordered_json& fields) {
  if (level < m_min) {
    return;
  }
  nlohmann::ordered_json line;
  line["time"] = format_rfc3339_ms(m_clock.wall_now());
  line["level"] = to_string(level);
  line["event"] = event;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line[key] = value;
    }
  }
  // Replace invalid UTF-8 (e.g. from a server's error body) rather than throw.
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text += '\n';
  // One write per line: on the unbuffered std::cerr that is one write(2), so even another
  // process sharing the descriptor cannot split it.
  const std::lock_guard lock(m_mutex);
  m_out.write(text.data(), static_cast<std::streamsize>(text.size()));
  m_out.flush();
}

}  // namespace ztp::log
