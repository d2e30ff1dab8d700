// The audit log reader and verifier: record lines from a node's disk are outside input
// to `ztp-prem-audit verify` and `show`. The input is split into segments at "\f" and
// verified with a fixed key, so seeds sealed with that key reach the deep checks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "audit/show.h"
#include "audit/verify.h"

namespace {

// The key the seed corpus was sealed with (fuzz/corpus/audit_log/README).
constexpr std::string_view k_seed_key =
    "0000000000000000000000000000000000000000000000000000000000000001";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ztp::audit::SegmentText> segments;
  std::size_t start = 0;
  for (;;) {
    const auto cut = text.find('\f', start);
    segments.push_back({"audit-" + std::to_string(segments.size()) + ".jsonl",
                        std::string(text.substr(start, cut - start))});
    if (cut == std::string_view::npos) {
      break;
    }
    start = cut + 1;
  }
  for (const auto& segment : segments) {
    std::string_view rest(segment.text);
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      auto record = ztp::audit::parse_record(rest.substr(0, nl));
      if (record) {
        (void)ztp::audit::render_record_text(*record);
        (void)ztp::audit::compute_hash(*record);
      }
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
  const auto key = ztp::audit::from_hex(k_seed_key);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1778580000));
  (void)ztp::audit::verify_source(ztp::audit::LogSource::from_memory(segments), *key,
                                  ztp::audit::parse_witness(segments.front().text.substr(0, 80)),
                                  now);
  return 0;
}
