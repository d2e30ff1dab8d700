#include "common/cli_values.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace ztp {
namespace {

using namespace std::chrono_literals;

TEST(CliValues, ParsesDurations) {
  EXPECT_EQ(parse_duration("30m"), std::chrono::seconds(30min));
  EXPECT_EQ(parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::seconds(90min));
  EXPECT_EQ(parse_duration("720h"), std::chrono::seconds(720h));
  // BUG-14: values that overflow or exceed 30 days are refused, not wrapped.
  for (const char* huge : {"9223372036854775807s", "153722867280912930m", "2562047788015216h",
                           "721h", "720h1s", "43201m"}) {
    EXPECT_FALSE(parse_duration(huge)) << huge;
  }
  EXPECT_EQ(parse_duration("2d"), std::chrono::seconds(48h));
  EXPECT_EQ(parse_duration("366d", std::chrono::hours(24 * 366)), std::chrono::seconds(366 * 24h));
  EXPECT_FALSE(parse_duration("367d", std::chrono::hours(24 * 366)));
  for (const char* bad : {"", "30", "m", "0s", "-5m", "5w", "5 m"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(CliValues, ParsesListenAddresses) {
  const auto v4 = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  const auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"8080", ":8080", "host:", "host:65536", "host:http"}) {
    EXPECT_FALSE(parse_listen(bad)) << bad;
  }
}

// One reading of a pod's environment for every binary: unset and empty are both "not set".
TEST(CliValues, EnvValueTreatsEmptyAsUnset) {
  ::setenv("ZTP_PREM_TEST_ENV", "10.0.0.1", 1);
  EXPECT_EQ(env_value("ZTP_PREM_TEST_ENV"), "10.0.0.1");
  ::setenv("ZTP_PREM_TEST_ENV", "", 1);
  EXPECT_FALSE(env_value("ZTP_PREM_TEST_ENV"));
  ::unsetenv("ZTP_PREM_TEST_ENV");
  EXPECT_FALSE(env_value("ZTP_PREM_TEST_ENV"));
}

}  // namespace
}  // namespace ztp
