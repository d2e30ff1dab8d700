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

  std::string evidence;
  for (const auto& e : d.findings.evidence) {
    evidence += "\n  " + e;
  }
  EXPECT_EQ(to_string(d.mode), expected.at("mode").get<std::string>()) << evidence;

  std::vector<std::string> caps;
  for (const auto c : d.host_capabilities) {
    caps.emplace_back(to_string(c));
  }
  EXPECT_EQ(caps, expected.at("hostCapabilities").get<std::vector<std::string>>()) << evidence;

  std::map<std::string, bool> signals;
  for (const auto& [name, value] : d.findings.signals) {
    signals[std::string(name)] = value;
  }
  const nlohmann::json expected_signals = expected.value("signals", nlohmann::json::object());
  for (const auto& [name, value] : expected_signals.items()) {
    ASSERT_TRUE(signals.count(name)) << "expected.json names an unknown signal " << name;
    EXPECT_EQ(signals[name], value.get<bool>()) << "signal " << name << evidence;
  }
  EXPECT_FALSE(d.findings.evidence.empty());
}

TEST_P(CcProfile, HasAReadmeWithSources) {
  // First line: the machine modelled. Then one "- fact: source" bullet per fact.
  const auto readme = ztp::testing::read_file(GetParam().dir / "README.md");
  EXPECT_GT(readme.find('\n'), 20u) << "first line must say which machine is modelled";
  std::size_t bullets = 0;
  for (std::size_t pos = readme.find("\n- "); pos != std::string::npos;
       pos = readme.find("\n- ", pos + 1)) {
    ++bullets;
  }
  EXPECT_GE(bullets, 2u) << "README must list the public source of its facts";
}

INSTANTIATE_TEST_SUITE_P(Hosts, CcProfile, ::testing::ValuesIn(ztp::testing::host_profiles("cc-")),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) {
                               c = '_';
                             }
                           }
                           return name;
                         });

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
