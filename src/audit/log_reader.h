#pragma once
// Reads a log's segments line by line, one segment in memory at a time, from a
// directory or from memory (tests, fuzzing). Text after the last newline of the last
// segment is a torn tail (a crash mid-append before the node restarted): it is counted,
// not returned.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/segments.h"
#include "common/result.h"

namespace ztp::audit {

struct SegmentText {
  std::string name;
  std::string text;
};

struct LogSource {
  std::vector<std::string> names;
  std::function<Result<std::string>(std::size_t)> load;

  static LogSource from_segments(const std::vector<Segment>& segments);
  // The texts must outlive the source.
  static LogSource from_memory(const std::vector<SegmentText>& segments);
};

struct LinePos {
  std::size_t segment = 0;    // index into LogSource::names
  std::uint64_t line = 0;     // 1-based within the segment
  std::uint64_t ordinal = 0;  // 0-based across the whole log
};

struct ReadStats {
  std::uint64_t lines = 0;
  std::uint64_t torn_tail_bytes = 0;
};

// Calls fn for each line (without its newline) until fn returns false.
Result<ReadStats> for_each_line(const LogSource& source,
                                const std::function<bool(const LinePos&, std::string_view)>& fn);

}  // namespace ztp::audit
