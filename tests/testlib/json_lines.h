#pragma once
// The JSON-lines logs of src/common/log.h as tests read them: one object per line.

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ztp::testing {

// Every line of text parsed; a line that is not one JSON object fails the test.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON-lines log line: " << line;
    out.push_back(std::move(parsed));
  }
  return out;
}

// The lines whose "event" is event, in order.
inline std::vector<nlohmann::json> log_events(const std::string& text, const std::string& event) {
  std::vector<nlohmann::json> out;
  for (auto& line : json_lines(text)) {
    if (line.is_object() && line.value("event", "") == event) {
      out.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace ztp::testing
