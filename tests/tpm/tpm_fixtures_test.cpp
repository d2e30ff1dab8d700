// Golden tests: every testdata/hosts/tpm-* profile classifies as its expected.json says.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "testlib/fixtures.h"
#include "tpm/tpm_detector.h"

namespace ztp::tpm {
namespace {

using ztp::testing::HostProfile;

class TpmProfile : public ::testing::TestWithParam<HostProfile> {};

TEST_P(TpmProfile, MatchesExpected) {
  const HostProfile& profile = GetParam();
  auto host = host::Host::open(profile.options());
  ASSERT_TRUE(host) << host.error().message;
  const TpmDetection d = detect(host->view());
  const auto expected = profile.expected();

  const std::string evidence = ztp::testing::evidence_text(d.findings);
  EXPECT_EQ(to_string(d.family), expected.at("family").get<std::string>()) << evidence;
  const auto& readiness = expected.at("readiness");
  EXPECT_EQ(to_string(d.readiness), readiness.at("verdict").get<std::string>()) << evidence;
  std::vector<std::string> missing;
  for (const auto m : d.missing) {
    missing.emplace_back(to_string(m));
  }
  EXPECT_EQ(missing, readiness.at("missing").get<std::vector<std::string>>()) << evidence;

  const auto& mb = expected.at("measuredBoot");
  EXPECT_EQ(d.measured_boot.event_log, mb.at("eventLog").get<bool>()) << evidence;
  EXPECT_EQ(d.measured_boot.ima, mb.at("ima").get<bool>()) << evidence;
  EXPECT_EQ(d.measured_boot.pcr_banks, mb.at("pcrBanks").get<std::vector<std::string>>());
  EXPECT_EQ(to_string(d.measured_boot.firmware_table), mb.at("firmwareTable").get<std::string>());

  ztp::testing::expect_signals(d.findings, expected, evidence);
}

TEST_P(TpmProfile, HasAReadmeWithSources) {
  ztp::testing::expect_readme_with_sources(GetParam());
  // TPM facts come from public pages and source trees: a link each, not only a path.
  EXPECT_NE(ztp::testing::read_file(GetParam().dir / "README.md").find("http"), std::string::npos)
      << "README must link its public sources";
}

INSTANTIATE_TEST_SUITE_P(Hosts, TpmProfile,
                         ::testing::ValuesIn(ztp::testing::host_profiles("tpm-")),
                         ztp::testing::ProfileTestName());

TEST(TpmProfiles, CoverEveryFamilyReadinessAndMissingPart) {
  std::set<std::string> families;
  std::set<std::string> verdicts;
  std::set<std::string> missing;
  std::set<std::string> tables;
  const auto profiles = ztp::testing::host_profiles("tpm-");
  EXPECT_GE(profiles.size(), 12u);
  for (const auto& p : profiles) {
    const auto e = p.expected();
    families.insert(e.at("family").get<std::string>());
    verdicts.insert(e.at("readiness").at("verdict").get<std::string>());
    for (const auto& m : e.at("readiness").at("missing")) {
      missing.insert(m.get<std::string>());
    }
    tables.insert(e.at("measuredBoot").at("firmwareTable").get<std::string>());
  }
  for (const auto f : k_all_families) {
    EXPECT_TRUE(families.count(std::string(to_string(f)))) << "no profile for " << to_string(f);
  }
  for (const auto r : k_all_readiness) {
    // Readiness unknown comes from a securityfs the probe may not list (a non-root probe on
    // a 0700 /sys/kernel/security): a permission, which a profile read by root cannot carry.
    // The rule tests cover it (Classify.UnreadableSecurityfs*, tests/tpm/tpm_rules_test.cpp).
    if (r == Readiness::unknown) {
      continue;
    }
    EXPECT_TRUE(verdicts.count(std::string(to_string(r)))) << "no profile for " << to_string(r);
  }
  for (const auto m : k_all_missing) {
    EXPECT_TRUE(missing.count(std::string(to_string(m)))) << "no profile missing " << to_string(m);
  }
  EXPECT_EQ(tables, (std::set<std::string>{"TPM2", "TCPA", "none"}));
}

}  // namespace
}  // namespace ztp::tpm
