#pragma once
// The log's files: DIR/audit-00000001.jsonl, audit-00000002.jsonl, ... in chain order.
// Rotation starts the next number; the chain continues across files.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace ztp::audit {

inline constexpr std::uint64_t k_default_segment_bytes = 16ull << 20;

std::string segment_name(std::uint64_t index);

struct Segment {
  std::uint64_t index = 0;
  std::filesystem::path path;
};

// Sorted by index; other files in DIR are ignored.
Result<std::vector<Segment>> list_segments(const std::filesystem::path& dir);

}  // namespace ztp::audit
