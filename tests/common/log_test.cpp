#include "common/log.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/rfc3339.h"
#include "testlib/fixed_clock.h"

namespace ztp::log {
namespace {

std::vector<nlohmann::json> lines(const std::string& s) {
  std::vector<nlohmann::json> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(Logger, OneJsonObjectPerLineWithTimeLevelEventAndFields) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock);
  logger.info("publish.ok", {{"sink", "dir"}, {"attempt", 1}});
  logger.warn("publish.failed", {{"reason", "line\nbreak \"quoted\""}});
  const auto l = lines(out.str());
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]["time"], "2026-05-12T10:00:00.000Z");
  EXPECT_EQ(l[0]["level"], "info");
  EXPECT_EQ(l[0]["event"], "publish.ok");
  EXPECT_EQ(l[0]["sink"], "dir");
  EXPECT_EQ(l[0]["attempt"], 1);
  EXPECT_EQ(l[1]["reason"], "line\nbreak \"quoted\"");  // escaped, still one line
}

TEST(Logger, DropsLinesBelowTheMinimumLevel) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock, Level::warn);
  logger.debug("a");
  logger.info("b");
  logger.error("c");
  const auto l = lines(out.str());
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0]["event"], "c");
}

TEST(Logger, InvalidUtf8IsReplacedNotThrown) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock);
  logger.warn("x", {{"reason", std::string("bad \xff byte")}});
  EXPECT_EQ(lines(out.str()).size(), 1u);
}

TEST(Logger, MillisecondTimestamps) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1778580000123));
  EXPECT_EQ(format_rfc3339_ms(t), "2026-05-12T10:00:00.123Z");
}

}  // namespace
}  // namespace ztp::log
