#include "common/rfc3339.h"

#include <gtest/gtest.h>

namespace ztp {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(Rfc3339, FormatsWholeSecondsAndMilliseconds) {
  const system_clock::time_point t{seconds(1778580000) + std::chrono::milliseconds(123)};
  EXPECT_EQ(format_rfc3339(t), "2026-05-12T10:00:00Z");
  EXPECT_EQ(format_rfc3339_ms(t), "2026-05-12T10:00:00.123Z");
}

TEST(Rfc3339, ParsesWhatItFormats) {
  const system_clock::time_point t{seconds(1778580000)};
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  // A leap second (RFC 3339 5.6) counts as :59.
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), parse_rfc3339("2016-12-31T23:59:59Z"));
}

TEST(Rfc3339, RefusesAnythingElse) {
  for (const char* bad : {"", "2026-05-12T10:00:00", "2026-05-12T10:00:00+00:00",
                          "2026-05-12T10:00:00.5Z", "2026-05-12 10:00:00Z", "2026-02-30T10:00:00Z",
                          "2026-13-01T10:00:00Z", "2026-05-12T24:00:00Z", "2026-05-12T10:60:00Z",
                          "2026-05-12T10:00:61Z", "2026-05-1xT10:00:00Z", "2026-05-12T10:00:00z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, RefusesDatesTheClockCannotHold) {
  // system_clock counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. Never wrapped.
  EXPECT_TRUE(parse_rfc3339("2262-04-10T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2263-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("1600-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace ztp
