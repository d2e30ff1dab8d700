#include "audit/log_reader.h"

#include "audit/posix_file.h"

namespace ztp::audit {

LogSource LogSource::from_segments(const std::vector<Segment>& segments) {
  LogSource source;
  std::vector<std::filesystem::path> paths;
  for (const auto& s : segments) {
    source.names.push_back(s.path.filename().string());
    paths.push_back(s.path);
  }
  source.load = [paths](std::size_t i) { return read_path(paths[i]); };
  return source;
}

LogSource LogSource::from_memory(const std::vector<SegmentText>& segments) {
  LogSource source;
  for (const auto& s : segments) {
    source.names.push_back(s.name);
  }
  source.load = [&segments](std::size_t i) -> Result<std::string> { return segments[i].text; };
  return source;
}

Result<ReadStats> for_each_line(const LogSource& source,
                                const std::function<bool(const LinePos&, std::string_view)>& fn) {
  ReadStats stats;
  LinePos pos;
  for (std::size_t s = 0; s < source.names.size(); ++s) {
    auto text = source.load(s);
    if (!text) {
      return tl::unexpected(text.error());
    }
    const bool last_segment = s + 1 == source.names.size();
    std::string_view rest(*text);
    pos.segment = s;
    pos.line = 0;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      if (nl == std::string_view::npos && last_segment) {
        stats.torn_tail_bytes = rest.size();
        break;
      }
      const std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      ++pos.line;
      ++stats.lines;
      if (!fn(pos, line)) {
        return stats;
      }
      ++pos.ordinal;
    }
  }
  return stats;
}

}  // namespace ztp::audit
