// Golden tests: every testdata/hosts/cc-* profile classifies as its expected.json says.
#include <gtest/gtest.h>

#include <set>

#include "cc/cc_detector.h"
#include "testlib/fixtures.h"

namespace ztp::cc {
namespace {

using ztp::testing::HostProfile;

class CcProfile : public ::testing::TestWithParam<HostProfile> {};

TEST_P(CcProfile, MatchesExpected) {
  const HostProfile& profile = GetParam();
  auto host = host::Host::open(profile.options());
  ASSERT_TRUE(host) << host.error().message;
  const CcDetection d = detect(host->view());
  const auto expected = profile.expected();

  const std::string evidence = ztp::testing::evidence_text(d.findings);
  EXPECT_EQ(to_string(d.mode), expected.at("mode").get<std::string>()) << evidence;

  std::vector<std::string> caps;
  for (const auto c : d.host_capabilities) {
    caps.emplace_back(to_string(c));
  }
  EXPECT_EQ(caps, expected.at("hostCapabilities").get<std::vector<std::string>>()) << evidence;

  ztp::testing::expect_signals(d.findings, expected, evidence);
}

TEST_P(CcProfile, HasAReadmeWithSources) { ztp::testing::expect_readme_with_sources(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Hosts, CcProfile, ::testing::ValuesIn(ztp::testing::host_profiles("cc-")),
                         ztp::testing::ProfileTestName());

TEST(CcProfiles, CoverEveryModeAndCapability) {
  std::set<std::string> modes;
  std::set<std::string> caps;
  const auto profiles = ztp::testing::host_profiles("cc-");
  EXPECT_GE(profiles.size(), 20u);
  for (const auto& p : profiles) {
    const auto e = p.expected();
    modes.insert(e.at("mode").get<std::string>());
    for (const auto& c : e.at("hostCapabilities")) {
      caps.insert(c.get<std::string>());
    }
  }
  for (const auto m : k_all_modes) {
    EXPECT_TRUE(modes.count(std::string(to_string(m)))) << "no profile for mode " << to_string(m);
  }
  for (const auto c : k_all_capabilities) {
    EXPECT_TRUE(caps.count(std::string(to_string(c)))) << "no profile for " << to_string(c);
  }
}

}  // namespace
}  // namespace ztp::cc
