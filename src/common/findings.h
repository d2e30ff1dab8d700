#pragma once
// What a detector hands downstream besides its classification: named boolean
// signals (stable names, one per observable) and short human-readable evidence.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ztp {

// Evidence is bounded whatever the host holds (1,000 TPM chips, thousands of unreadable
// paths), so that every document fits the fleet's 64 KiB cap: at most this many lines,
// each at most k_max_evidence_chars (envelope.v1 "evidence" maxLength). 48 x 512 bytes
// leaves half the cap for the rest of the document.
inline constexpr std::size_t k_max_evidence_lines = 48;
inline constexpr std::size_t k_max_evidence_chars = 512;

struct Findings {
  // Signal names are string literals with static storage; order is emission order.
  std::vector<std::pair<std::string_view, bool>> signals;
  std::vector<std::string> evidence;
  std::size_t omitted_evidence = 0;  // lines beyond the bound, counted in the last line

  void signal(std::string_view name, bool value) { signals.emplace_back(name, value); }

  // Keeps the first k_max_evidence_lines - 1 lines; the last line then counts the rest.
  void note(std::string line) {
    if (evidence.size() + 1 < k_max_evidence_lines) {
      evidence.push_back(cut(std::move(line)));
      return;
    }
    ++omitted_evidence;
    std::string summary = "and " + std::to_string(omitted_evidence) + " more evidence line" +
                          (omitted_evidence == 1 ? "" : "s") + " (evidence is bounded to " +
                          std::to_string(k_max_evidence_lines) + " lines)";
    if (evidence.size() < k_max_evidence_lines) {
      evidence.push_back(std::move(summary));
    } else {
      evidence.back() = std::move(summary);
    }
  }

 private:
  // Cuts at a UTF-8 character boundary (never inside a multi-byte sequence) and marks it.
  static std::string cut(std::string line) {
    if (line.size() <= k_max_evidence_chars) {
      return line;
    }
    std::size_t end = k_max_evidence_chars - 3;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) {
      --end;
    }
    line.resize(end);
    line += "...";
    return line;
  }
};

}  // namespace ztp
