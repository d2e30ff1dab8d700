#include "common/log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

#include "common/rfc3339.h"
#include "testlib/fixed_clock.h"
#include "testlib/json_lines.h"

namespace ztp::log {
namespace {

using ztp::testing::json_lines;

TEST(Logger, OneJsonObjectPerLineWithTimeLevelEventAndFields) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock);
  logger.info("publish.ok", {{"sink", "dir"}, {"attempt", 1}});
  logger.warn("publish.failed", {{"reason", "line\nbreak \"quoted\""}});
  const auto l = json_lines(out.str());
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
  const auto l = json_lines(out.str());
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0]["event"], "c");
}

TEST(Logger, InvalidUtf8IsReplacedNotThrown) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock);
  logger.warn("x", {{"reason", std::string("bad \xff byte")}});
  EXPECT_EQ(json_lines(out.str()).size(), 1u);
}

// The fleet's directory or cluster source and its server log from their own threads through
// one Logger: every line stays whole and parses.
TEST(Logger, LinesFromManyThreadsNeverInterleave) {
  std::ostringstream out;
  const ztp::testing::FixedClock clock;
  Logger logger(out, clock);
  constexpr int k_threads = 4;
  constexpr int k_lines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < k_lines; ++i) {
        logger.info("thread.line",
                    {{"thread", t}, {"text", std::string(200, static_cast<char>('a' + t))}});
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto l = json_lines(out.str());  // a torn line fails here
  ASSERT_EQ(l.size(), static_cast<std::size_t>(k_threads * k_lines));
  for (const auto& line : l) {
    EXPECT_EQ(line["text"], std::string(200, static_cast<char>('a' + line["thread"].get<int>())));
  }
}

TEST(Logger, MillisecondTimestamps) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1778580000123));
  EXPECT_EQ(format_rfc3339_ms(t), "2026-05-12T10:00:00.123Z");
}

}  // namespace
}  // namespace ztp::log
