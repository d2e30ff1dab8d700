// The TPM decision rules on hand-built observations (docs/tpm.md precedence).
#include "tpm/tpm_rules.h"

#include <gtest/gtest.h>

#include "tpm/tpm_detector.h"

namespace ztp::tpm {
namespace {

ChipFacts tpm2_chip(unsigned index = 0) {
  ChipFacts c;
  c.name = "tpm" + std::to_string(index);
  c.index = index;
  c.listable = true;
  c.version = VersionFile::tpm2;
  c.device_link = true;
  c.tpmrm_sysfs = true;
  c.pcr_banks = {"sha1", "sha256"};
  c.raw_node = true;
  c.rm_node = true;
  c.securityfs_dir = DirState::populated;
  c.event_log = true;
  return c;
}

ChipFacts virtual_chip(unsigned index) {
  ChipFacts c = tpm2_chip(index);
  c.device_link = false;
  c.virtual_path = true;
  c.event_log = false;
  return c;
}

TpmObservations host_with(std::vector<ChipFacts> chips) {
  TpmObservations o;
  o.sys_class_visible = true;
  o.class_tpm = chips.empty() ? DirState::empty : DirState::populated;
  o.class_tpmrm = DirState::populated;
  o.dev_dir = DirState::populated;
  for (const auto& c : chips) {
    if (c.raw_node) {
      o.raw_nodes.push_back(c.index);
    }
    if (c.rm_node) {
      o.rm_nodes.push_back(c.index);
    }
  }
  o.chips = std::move(chips);
  o.securityfs = DirState::populated;
  o.acpi_tables = DirState::populated;
  o.acpi_tpm2 = true;
  return o;
}

std::string reasons(const TpmVerdict& v) {
  std::string out;
  for (const auto& r : v.reasons) {
    out += "\n  " + r;
  }
  return out;
}

TEST(Classify, Tpm2WithResourceManagerAndEventLogIsReady) {
  const auto v = classify(host_with({tpm2_chip()}));
  EXPECT_EQ(v.family, Family::tpm2_rm) << reasons(v);
  EXPECT_EQ(v.readiness, Readiness::ready);
  EXPECT_TRUE(v.missing.empty());
  EXPECT_EQ(v.firmware_table, FirmwareTable::tpm2);
  EXPECT_EQ(v.pcr_banks, (std::vector<std::string>{"sha1", "sha256"}));
  EXPECT_FALSE(v.device_node_hidden);
}

TEST(Classify, VersionFileIsReadForItsValue) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::tpm1;
  chip.tpmrm_sysfs = false;
  chip.rm_node = false;
  chip.pcr_banks = {"sha1"};
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::tpm1_2) << reasons(v);
  EXPECT_EQ(v.readiness, Readiness::none);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::tpm2});
}

TEST(Classify, Tpm1AttributesDecideOnOldKernels) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::absent;
  chip.tpmrm_sysfs = false;
  chip.rm_node = false;
  chip.pcr_banks.clear();
  chip.caps_in_device = true;
  EXPECT_EQ(classify(host_with({chip})).family, Family::tpm1_2);
  chip.caps_in_device = false;
  chip.caps_in_class = true;
  EXPECT_EQ(classify(host_with({chip})).family, Family::tpm1_2);
}

TEST(Classify, Kernel54LayoutIsTpm2FromTheResourceManager) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::absent;
  chip.pcr_banks.clear();
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::tpm2_rm) << reasons(v);
  EXPECT_FALSE(v.family_inferred);
  EXPECT_EQ(v.readiness, Readiness::ready);
}

TEST(Classify, Kernel49LayoutIsInferredRawTpm2) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::absent;
  chip.pcr_banks.clear();
  chip.tpmrm_sysfs = false;
  chip.rm_node = false;
  chip.event_log = false;
  auto obs = host_with({chip});
  obs.class_tpmrm = DirState::absent;
  const auto v = classify(obs);
  EXPECT_EQ(v.family, Family::tpm2_raw) << reasons(v);
  EXPECT_TRUE(v.family_inferred);
  EXPECT_EQ(v.readiness, Readiness::partial);
  EXPECT_EQ(v.missing, (std::vector<Missing>{Missing::resource_manager, Missing::event_log}));
}

TEST(Classify, ContradictionIsUnknownWithBothSides) {
  auto chip = tpm2_chip();
  chip.caps_in_class = true;
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::unknown);
  EXPECT_TRUE(v.contradiction);
  EXPECT_EQ(v.readiness, Readiness::none);
  EXPECT_NE(reasons(v).find("tpm_version_major is 2"), std::string::npos) << reasons(v);
  EXPECT_NE(reasons(v).find("caps"), std::string::npos);
}

TEST(Classify, UnusableVersionFileWithoutOtherCluesIsUnknown) {
  for (const auto state : {VersionFile::unparsable, VersionFile::unreadable}) {
    auto chip = tpm2_chip();
    chip.version = state;
    chip.tpmrm_sysfs = false;
    chip.rm_node = false;
    chip.pcr_banks.clear();
    const auto v = classify(host_with({chip}));
    EXPECT_EQ(v.family, Family::unknown) << reasons(v);
    EXPECT_FALSE(v.contradiction);
  }
}

TEST(Classify, UnusableVersionFileIsOutvotedByStrongClues) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::unparsable;
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::tpm2_rm) << reasons(v);
  EXPECT_NE(reasons(v).find("ignored"), std::string::npos);
}

TEST(Classify, UnlistableChipIsUnknown) {
  ChipFacts chip;
  chip.name = "tpm0";
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::unknown);
}

TEST(Classify, Sha256BankIsATpm2Clue) {
  auto chip = tpm2_chip();
  chip.version = VersionFile::absent;
  chip.tpmrm_sysfs = false;
  chip.rm_node = false;
  chip.pcr_banks = {"sha256"};
  const auto v = classify(host_with({chip}));
  EXPECT_EQ(v.family, Family::tpm2_raw);
  EXPECT_FALSE(v.family_inferred);
}

TEST(Classify, PodWithoutDevStaysTpm2RmAndSaysTheNodeIsHidden) {
  auto chip = tpm2_chip();
  chip.raw_node = false;
  chip.rm_node = false;
  auto obs = host_with({chip});
  const auto v = classify(obs);
  EXPECT_EQ(v.family, Family::tpm2_rm);
  EXPECT_TRUE(v.device_node_hidden);
  // Only the resource manager visible (device plugin): still hidden, /dev/tpm0 is not there.
  chip.rm_node = true;
  EXPECT_TRUE(classify(host_with({chip})).device_node_hidden);
  // Only the raw node visible while sysfs has tpmrm0: the RM node is hidden.
  chip.rm_node = false;
  chip.raw_node = true;
  EXPECT_TRUE(classify(host_with({chip})).device_node_hidden);
}

TEST(Classify, UnlistableDevCountsAsHidden) {
  auto obs = host_with({tpm2_chip()});
  obs.dev_dir = DirState::unreadable;
  EXPECT_TRUE(classify(obs).device_node_hidden);
}

TEST(PrimaryChip, HardwareChipDecidesOverALowerVirtualOne) {
  auto obs = host_with({virtual_chip(0), tpm2_chip(1)});
  EXPECT_EQ(primary_chip(obs), 1u);
  obs = host_with({tpm2_chip(0), virtual_chip(1)});
  EXPECT_EQ(primary_chip(obs), 0u);
  obs = host_with({virtual_chip(0), virtual_chip(1)});
  EXPECT_EQ(primary_chip(obs), 0u);
  EXPECT_EQ(primary_chip(host_with({})), std::nullopt);
}

TEST(Classify, VirtualChipAloneIsPartialForLackOfHardware) {
  const auto v = classify(host_with({virtual_chip(0)}));
  EXPECT_EQ(v.family, Family::tpm2_rm);
  EXPECT_EQ(v.readiness, Readiness::partial);
  EXPECT_EQ(v.missing, (std::vector<Missing>{Missing::hardware_chip, Missing::event_log}));
}

TEST(Classify, A12HardwareChipWithA20VirtualChipIsTpm12) {
  auto hw = tpm2_chip(0);
  hw.version = VersionFile::tpm1;
  hw.tpmrm_sysfs = false;
  hw.rm_node = false;
  hw.pcr_banks = {"sha1"};
  const auto v = classify(host_with({hw, virtual_chip(1)}));
  EXPECT_EQ(v.family, Family::tpm1_2) << reasons(v);
}

TEST(Classify, NoChipCases) {
  // Empty class: TPM core, no chip.
  auto obs = host_with({});
  obs.acpi_tpm2 = false;
  auto v = classify(obs);
  EXPECT_EQ(v.family, Family::absent);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::tpm2});
  EXPECT_FALSE(v.firmware_without_driver);

  // Firmware table without a driver.
  obs.acpi_tpm2 = true;
  v = classify(obs);
  EXPECT_EQ(v.family, Family::absent);
  EXPECT_TRUE(v.firmware_without_driver);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::driver});
  // A TCPA table only: firmware has a TPM 1.2, still no TPM 2.0.
  obs.acpi_tpm2 = false;
  obs.acpi_tcpa = true;
  v = classify(obs);
  EXPECT_TRUE(v.firmware_without_driver);
  EXPECT_EQ(v.firmware_table, FirmwareTable::tcpa);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::tpm2});

  // No class at all on a visible sysfs: absent. No sysfs: unknown.
  obs = host_with({});
  obs.class_tpm = DirState::absent;
  EXPECT_EQ(classify(obs).family, Family::absent);
  obs.sys_class_visible = false;
  EXPECT_EQ(classify(obs).family, Family::unknown);

  // Unlistable class: unknown.
  obs = host_with({});
  obs.class_tpm = DirState::unreadable;
  EXPECT_EQ(classify(obs).family, Family::unknown);
}

TEST(Classify, DeviceNodesSecond) {
  auto obs = host_with({});
  obs.class_tpm = DirState::absent;
  obs.rm_nodes = {0};
  obs.raw_nodes = {0};
  auto v = classify(obs);
  EXPECT_EQ(v.family, Family::tpm2_rm);
  EXPECT_TRUE(v.family_from_device_nodes);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::event_log});

  obs.rm_nodes.clear();
  v = classify(obs);
  EXPECT_EQ(v.family, Family::unknown);
  EXPECT_TRUE(v.family_from_device_nodes);

  // Nodes next to an empty /sys/class/tpm: stale nodes, contradiction.
  obs.class_tpm = DirState::empty;
  v = classify(obs);
  EXPECT_EQ(v.family, Family::unknown);
  EXPECT_TRUE(v.contradiction);
}

TEST(Classify, BothAcpiTablesReportTpm2) {
  auto obs = host_with({tpm2_chip()});
  obs.acpi_tcpa = true;
  EXPECT_EQ(classify(obs).firmware_table, FirmwareTable::tpm2);
}

// An unreadable securityfs hides the event log: not known to be missing, so a TPM 2.0
// lacking nothing else is unknown, never ready or partial by guess.
TEST(Classify, UnreadableSecurityfsMakesReadinessUnknown) {
  auto obs = host_with({tpm2_chip()});
  obs.securityfs = DirState::unreadable;
  obs.chips[0].securityfs_dir = DirState::absent;
  obs.chips[0].event_log = false;
  auto v = classify(obs);
  EXPECT_EQ(v.family, Family::tpm2_rm);
  EXPECT_EQ(v.readiness, Readiness::unknown);
  EXPECT_TRUE(v.missing.empty());
  EXPECT_NE(reasons(v).find("event log cannot be checked"), std::string::npos) << reasons(v);

  obs = host_with({tpm2_chip()});
  obs.chips[0].securityfs_dir = DirState::unreadable;  // the chip's own directory
  obs.chips[0].event_log = false;
  EXPECT_EQ(classify(obs).readiness, Readiness::unknown);
}

TEST(Classify, UnreadableSecurityfsLeavesAKnownLackPartialWithoutTheLog) {
  auto obs = host_with({tpm2_chip()});
  obs.chips[0].tpmrm_sysfs = false;
  obs.chips[0].rm_node = false;
  obs.rm_nodes.clear();
  obs.class_tpmrm = DirState::empty;
  obs.securityfs = DirState::unreadable;
  obs.chips[0].event_log = false;
  const auto v = classify(obs);
  EXPECT_EQ(v.family, Family::tpm2_raw) << reasons(v);
  EXPECT_EQ(v.readiness, Readiness::partial);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::resource_manager});
}

TEST(Classify, SecurityfsNotMountedStillCountsTheLogMissing) {
  auto obs = host_with({tpm2_chip()});
  obs.securityfs = DirState::empty;
  obs.chips[0].event_log = false;
  const auto v = classify(obs);
  EXPECT_EQ(v.readiness, Readiness::partial);
  EXPECT_EQ(v.missing, std::vector<Missing>{Missing::event_log});
}

TEST(Classify, UnreadablePathsBecomeEvidence) {
  auto obs = host_with({tpm2_chip()});
  obs.unreadable.push_back("'/sys/class/tpm/tpm0/device/caps': Permission denied");
  const auto v = classify(obs);
  EXPECT_NE(reasons(v).find("unreadable: '/sys/class/tpm/tpm0/device/caps'"), std::string::npos);
}

// redteam.md A11t: securityfs that cannot be listed (EACCES) was reported as "securityfs is
// not mounted in this view". What the probe could not see is said as such.
TEST(Classify, UnlistableSecurityfsIsNotCalledUnmounted) {
  for (const bool whole_fs : {true, false}) {
    auto chip = tpm2_chip();
    chip.event_log = false;
    if (!whole_fs) {
      chip.securityfs_dir = DirState::unreadable;
    }
    auto obs = host_with({chip});
    if (whole_fs) {
      obs.securityfs = DirState::unreadable;
    }
    const auto v = classify(obs);
    EXPECT_FALSE(v.event_log);
    EXPECT_NE(reasons(v).find("event log cannot be checked"), std::string::npos) << reasons(v);
    EXPECT_EQ(reasons(v).find("not mounted"), std::string::npos) << reasons(v);
  }
  auto chip = tpm2_chip();
  chip.event_log = false;
  auto obs = host_with({chip});
  obs.securityfs = DirState::absent;  // really not there: that is said too
  EXPECT_NE(reasons(classify(obs)).find("securityfs is not mounted"), std::string::npos);
}

TEST(Decide, EmitsEverySignalOnceWithStableNames) {
  const auto d = decide(host_with({tpm2_chip()}));
  std::set<std::string_view> names;
  for (const auto& [name, value] : d.findings.signals) {
    EXPECT_TRUE(names.insert(name).second) << "duplicate signal " << name;
  }
  EXPECT_EQ(names.size(), 30u);
  for (const char* n : {"tpmChipPresent", "versionMajor2", "tpmrmSysfs", "deviceNodeHidden",
                        "eventLog", "imaMeasurements", "acpiTpm2Table", "firmwareWithoutDriver"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  const auto empty = decide(TpmObservations{});
  EXPECT_EQ(empty.findings.signals.size(), d.findings.signals.size());
  EXPECT_EQ(empty.family, Family::unknown);  // nothing visible at all
  EXPECT_FALSE(empty.findings.evidence.empty());
}

}  // namespace
}  // namespace ztp::tpm
