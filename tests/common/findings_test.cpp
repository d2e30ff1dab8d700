#include "common/findings.h"

#include <gtest/gtest.h>

#include <string>

namespace ztp {
namespace {

TEST(Findings, FewLinesAreKeptAsTheyAre) {
  Findings f;
  f.note("guest: none");
  f.note("host: nothing");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[1], "host: nothing");
}

// redteam.md BUG-7: 1,000 chips gave 1,005 evidence lines and a 66.5 KB document.
TEST(Findings, ManyLinesEndInOneCountingLine) {
  Findings f;
  for (int i = 0; i < 1000; ++i) {
    f.note("unreadable: '/sys/class/tpm/tpm" + std::to_string(i) + "': Permission denied");
  }
  ASSERT_EQ(f.evidence.size(), k_max_evidence_lines);
  EXPECT_EQ(f.evidence.front(), "unreadable: '/sys/class/tpm/tpm0': Permission denied");
  const std::size_t omitted = 1000 - (k_max_evidence_lines - 1);
  EXPECT_EQ(f.evidence.back(), "and " + std::to_string(omitted) +
                                   " more evidence lines (evidence is bounded to 48 lines)");
}

TEST(Findings, ExactlyTheBoundNeedsNoSummary) {
  Findings f;
  for (std::size_t i = 0; i + 1 < k_max_evidence_lines; ++i) {
    f.note("line " + std::to_string(i));
  }
  EXPECT_EQ(f.evidence.back(), "line " + std::to_string(k_max_evidence_lines - 2));
  f.note("one more");
  EXPECT_EQ(f.evidence.back(), "and 1 more evidence line (evidence is bounded to 48 lines)");
}

TEST(Findings, LongLinesAreCutAtACharacterBoundary) {
  Findings f;
  f.note(std::string(600, 'x'));
  std::string accents;
  for (int i = 0; i < 300; ++i) {
    accents += "\xc3\xa9";  // two bytes each
  }
  f.note(accents);
  EXPECT_EQ(f.evidence[0].size(), k_max_evidence_chars);
  EXPECT_TRUE(f.evidence[0].ends_with("..."));
  EXPECT_LE(f.evidence[1].size(), k_max_evidence_chars);
  const std::string body = f.evidence[1].substr(0, f.evidence[1].size() - 3);
  EXPECT_EQ(body.size() % 2, 0u) << "cut inside a two-byte character";
}

}  // namespace
}  // namespace ztp
