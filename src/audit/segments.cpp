#include "audit/segments.h"

#include <algorithm>
#include <cstdio>
#include <system_error>

namespace ztp::audit {
namespace {

constexpr std::string_view k_prefix = "audit-";
constexpr std::string_view k_suffix = ".jsonl";
constexpr std::size_t k_digits = 8;

}  // namespace

std::string segment_name(std::uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "audit-%08llu.jsonl", static_cast<unsigned long long>(index));
  return buf;
}

Result<std::vector<Segment>> list_segments(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return fail(
        ec == std::errc::no_such_file_or_directory ? ErrorKind::not_found : ErrorKind::io_error,
        "audit log directory '" + dir.string() + "': " + ec.message());
  }
  std::vector<Segment> out;
  for (const auto& item : it) {
    const std::string name = item.path().filename().string();
    if (name.size() != k_prefix.size() + k_digits + k_suffix.size() ||
        name.compare(0, k_prefix.size(), k_prefix) != 0 ||
        name.compare(name.size() - k_suffix.size(), k_suffix.size(), k_suffix) != 0) {
      continue;
    }
    std::uint64_t index = 0;
    bool digits = true;
    for (std::size_t i = k_prefix.size(); i < k_prefix.size() + k_digits; ++i) {
      digits = digits && name[i] >= '0' && name[i] <= '9';
      index = index * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    if (digits) {
      out.push_back({index, item.path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Segment& a, const Segment& b) { return a.index < b.index; });
  return out;
}

}  // namespace ztp::audit
