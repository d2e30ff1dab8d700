#pragma once
// `ztp-prem-audit show`: a log's records for people (one line each) or as JSON lines.
// Shows without verifying; `verify` is the judge.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "audit/record.h"
#include "common/result.h"

namespace ztp::audit {

enum class ShowFormat { text, jsonl };

std::string render_record_text(const Record& record);

struct ShowStats {
  std::uint64_t records = 0;
  std::uint64_t unreadable = 0;
  std::uint64_t boot_changes = 0;  // text form marks each: "boot state changed at seq N"
};
Result<ShowStats> show_log(const std::filesystem::path& dir, ShowFormat format, std::ostream& out);

}  // namespace ztp::audit
