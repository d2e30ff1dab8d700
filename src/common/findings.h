#pragma once
// What a detector hands downstream besides its classification: named boolean
// signals (stable names, one per observable) and short human-readable evidence.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ztp {

struct Findings {
  // Signal names are string literals with static storage; order is emission order.
  std::vector<std::pair<std::string_view, bool>> signals;
  std::vector<std::string> evidence;

  void signal(std::string_view name, bool value) { signals.emplace_back(name, value); }
  void note(std::string line) { evidence.push_back(std::move(line)); }
};

}  // namespace ztp
