#pragma once
// Reads a log's segments line by line, streaming (a bounded buffer, never a whole segment
// in memory), from a directory or from memory (tests, fuzzing). Segment files are opened
// without blocking and refused unless regular (a FIFO would hang the reader).
// Text after the last newline of the last segment is reported as trailing bytes with its
// offset, not returned: the caller decides what it means (verify: damage; the writer cuts
// a torn record). A line longer than k_max_line_bytes is handed over cut to
// k_max_line_bytes + 1 bytes (no record is that long, so it cannot parse) without reading
// the rest of it: a huge junk tail costs one buffer, not its size.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "audit/segments.h"
#include "common/result.h"

namespace ztp::audit {

struct SegmentText {
  std::string name;
  std::string text;
};

// Fills buf with up to cap bytes of segment i; 0 at its end.
using ChunkReader = std::function<Result<std::size_t>(char* buf, std::size_t cap)>;

struct LogSource {
  std::vector<std::string> names;
  std::function<Result<ChunkReader>(std::size_t)> open;

  static LogSource from_segments(const std::vector<Segment>& segments);
  // The texts must outlive the source.
  static LogSource from_memory(const std::vector<SegmentText>& segments);
};

struct LinePos {
  std::size_t segment = 0;    // index into LogSource::names
  std::uint64_t line = 0;     // 1-based within the segment
  std::uint64_t ordinal = 0;  // 0-based across the whole log
  std::uint64_t offset = 0;   // byte offset of the line in its segment
};

struct ReadStats {
  std::uint64_t lines = 0;
  std::uint64_t trailing_bytes = 0;   // after the last newline of the last segment
  std::uint64_t trailing_offset = 0;  // where they start in the last segment
};

// Calls fn for each line (without its newline) until fn returns false.
Result<ReadStats> for_each_line(const LogSource& source,
                                const std::function<bool(const LinePos&, std::string_view)>& fn);

}  // namespace ztp::audit
