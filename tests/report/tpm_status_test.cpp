// The TPMStatus body: field names, order and vocabulary.
#include "report/tpm_status.h"

#include <gtest/gtest.h>

#include "testlib/fixed_clock.h"

namespace ztp::report {
namespace {

TEST(TpmStatus, BodyShape) {
  tpm::TpmDetection d;
  d.family = tpm::Family::tpm2_raw;
  d.measured_boot.event_log = false;
  d.measured_boot.ima = true;
  d.measured_boot.pcr_banks = {"sha1", "sha256"};
  d.measured_boot.firmware_table = tpm::FirmwareTable::tpm2;
  d.readiness = tpm::Readiness::partial;
  d.missing = {tpm::Missing::resource_manager, tpm::Missing::event_log};
  d.findings.signal("versionMajor2", true);
  d.findings.note("tpm0: TPM 2.0");
  Envelope e;
  e.node = "n1";
  e.wave = "w";
  e.probe = {"ztp-prem-tpm", "1"};
  e.generated_at = ztp::testing::FixedClock().wall_now();
  const auto j = to_json(make_tpm_status(e, d));
  EXPECT_EQ(j["kind"], "TPMStatus");
  EXPECT_EQ(j["family"], "tpm2-raw");
  EXPECT_EQ(j["measuredBoot"]["eventLog"], false);
  EXPECT_EQ(j["measuredBoot"]["ima"], true);
  EXPECT_EQ(j["measuredBoot"]["pcrBanks"], nlohmann::ordered_json({"sha1", "sha256"}));
  EXPECT_EQ(j["measuredBoot"]["firmwareTable"], "TPM2");
  EXPECT_EQ(j["readiness"]["verdict"], "partial");
  EXPECT_EQ(j["readiness"]["missing"], nlohmann::ordered_json({"resourceManager", "eventLog"}));
  EXPECT_EQ(j["signals"]["versionMajor2"], true);

  const std::string text = render_text(make_tpm_status(e, d));
  EXPECT_NE(text.find("readiness.missing          resourceManager, eventLog\n"), std::string::npos)
      << text;
}

TEST(TpmStatus, Vocabulary) {
  EXPECT_EQ(tpm::to_string(tpm::Family::tpm2_rm), "tpm2-rm");
  EXPECT_EQ(tpm::to_string(tpm::Family::tpm1_2), "tpm1.2");
  EXPECT_EQ(tpm::to_string(tpm::Family::absent), "absent");
  EXPECT_EQ(tpm::to_string(tpm::Family::unknown), "unknown");
  EXPECT_EQ(tpm::to_string(tpm::Readiness::none), "none");
  EXPECT_EQ(tpm::to_string(tpm::FirmwareTable::tcpa), "TCPA");
  EXPECT_EQ(tpm::to_string(tpm::FirmwareTable::none), "none");
  EXPECT_EQ(tpm::to_string(tpm::Missing::hardware_chip), "hardwareChip");
  EXPECT_EQ(tpm::to_string(tpm::Missing::driver), "driver");
  EXPECT_EQ(tpm::to_string(tpm::Missing::tpm2), "tpm2");
}

}  // namespace
}  // namespace ztp::report
