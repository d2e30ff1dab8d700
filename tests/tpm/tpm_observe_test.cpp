// Collection through the host view: names, the two parsed values, unreadable paths.
#include <gtest/gtest.h>

#include "host/cpuid_source.h"
#include "host/file_source.h"
#include "host/msr_source.h"
#include "testlib/file_source_wrappers.h"
#include "testlib/temp_tree.h"
#include "tpm/tpm_observations.h"

namespace ztp::tpm {
namespace {

using ztp::testing::RecordingFileSource;
using ztp::testing::TempTree;

// A hardware TPM 2.0 laid out as Linux 6.x does, with relative symlinks.
void hardware_tpm2(const TempTree& t) {
  const std::string chip = "sys/devices/platform/MSFT0101:00/tpm/tpm0";
  t.write(chip + "/dev", "10:224\n");
  t.write(chip + "/tpm_version_major", "2\n");
  t.write(chip + "/pcr-sha256/0", "00\n");
  t.write(chip + "/pcr-sha1/0", "00\n");
  t.write(chip + "/pcr-bogus name/0", "00\n");
  t.symlink("../../../MSFT0101:00", chip + "/device");
  t.write("sys/devices/platform/MSFT0101:00/uevent", "DRIVER=tpm_crb\nMODALIAS=acpi:MSFT0101:\n");
  t.symlink("../../devices/platform/MSFT0101:00/tpm/tpm0", "sys/class/tpm/tpm0");
  t.write("sys/devices/platform/MSFT0101:00/tpmrm/tpmrm0/dev", "252:65536\n");
  t.symlink("../../devices/platform/MSFT0101:00/tpmrm/tpmrm0", "sys/class/tpmrm/tpmrm0");
  t.write("dev/tpm0", "");
  t.write("dev/tpmrm0", "");
  t.write("dev/null", "");
  t.write("sys/kernel/security/lsm", "ima\n");
  t.write("sys/kernel/security/tpm0/binary_bios_measurements", "log");
  t.write("sys/kernel/security/integrity/ima/ascii_runtime_measurements_sha256", "x");
  t.write("sys/firmware/acpi/tables/TPM2", "t");
}

TpmObservations observe_tree(const host::FileSource& files) {
  // The TPM probe never consults CPUID or MSRs: empty replays stand in for them.
  const auto cpuid = host::ReplayCpuid::parse("");
  const auto msr = host::ReplayMsr::parse("");
  return observe(host::HostView{files, *cpuid, *msr});
}

TEST(Observe, HardwareTpm2) {
  TempTree t;
  hardware_tpm2(t);
  auto files = host::RootFileSource::open(t.str());
  ASSERT_TRUE(files);
  const auto o = observe_tree(*files);
  EXPECT_TRUE(o.unreadable.empty()) << o.unreadable.front();
  ASSERT_EQ(o.chips.size(), 1u);
  const ChipFacts& c = o.chips[0];
  EXPECT_EQ(c.version, VersionFile::tpm2);
  EXPECT_TRUE(c.device_link);
  EXPECT_FALSE(c.virtual_path);
  EXPECT_TRUE(c.tpmrm_sysfs);
  EXPECT_TRUE(c.raw_node);
  EXPECT_TRUE(c.rm_node);
  EXPECT_EQ(c.pcr_banks, (std::vector<std::string>{"sha1", "sha256"}));
  EXPECT_EQ(c.ignored_bank_dirs, 1);
  EXPECT_EQ(c.driver, "tpm_crb");
  EXPECT_TRUE(c.event_log);
  EXPECT_FALSE(c.ascii_event_log);
  EXPECT_TRUE(o.ima);  // found through integrity/ima, per-bank name
  EXPECT_TRUE(o.acpi_tpm2);
  EXPECT_FALSE(o.acpi_tcpa);
  EXPECT_EQ(o.securityfs, DirState::populated);
}

TEST(Observe, NeverReadsMoreThanTheVersionAndUevent) {
  TempTree t;
  hardware_tpm2(t);
  auto root = host::RootFileSource::open(t.str());
  ASSERT_TRUE(root);
  RecordingFileSource files(*root);
  observe_tree(files);
  for (const auto& [path, count] : files.contents_read()) {
    EXPECT_TRUE(path == "/sys/class/tpm/tpm0/tpm_version_major" ||
                path == "/sys/class/tpm/tpm0/device/uevent")
        << "content read of " << path;
  }
  for (const auto& path : files.touched()) {
    EXPECT_NE(path.rfind("/dev/tpm", 0), 0u) << "touched a TPM node: " << path;
  }
}

TEST(Observe, DeniedVersionFileIsUnreadableNotAbsent) {
  TempTree t;
  hardware_tpm2(t);
  auto root = host::RootFileSource::open(t.str());
  ASSERT_TRUE(root);
  RecordingFileSource files(*root);
  files.deny("/sys/class/tpm/tpm0/tpm_version_major");
  const auto o = observe_tree(files);
  ASSERT_EQ(o.chips.size(), 1u);
  EXPECT_EQ(o.chips[0].version, VersionFile::unreadable);
  ASSERT_EQ(o.unreadable.size(), 1u);
  EXPECT_NE(o.unreadable[0].find("tpm_version_major"), std::string::npos);
}

TEST(Observe, DeniedClassAndDev) {
  TempTree t;
  hardware_tpm2(t);
  auto root = host::RootFileSource::open(t.str());
  ASSERT_TRUE(root);
  RecordingFileSource files(*root);
  files.deny("/sys/class/tpm");
  files.deny("/dev");
  const auto o = observe_tree(files);
  EXPECT_EQ(o.class_tpm, DirState::unreadable);
  EXPECT_EQ(o.dev_dir, DirState::unreadable);
  EXPECT_TRUE(o.chips.empty());
  EXPECT_EQ(o.unreadable.size(), 2u);
}

TEST(Observe, OldKernelTpm12KeepsCapsUnderDevice) {
  TempTree t;
  const std::string parent = "sys/devices/pnp0/00:06";
  t.write(parent + "/tpm/tpm0/dev", "10:224\n");
  t.symlink("../../../00:06", parent + "/tpm/tpm0/device");
  t.write(parent + "/caps", "x");
  t.symlink("../../devices/pnp0/00:06/tpm/tpm0", "sys/class/tpm/tpm0");
  auto files = host::RootFileSource::open(t.str());
  ASSERT_TRUE(files);
  const auto o = observe_tree(*files);
  ASSERT_EQ(o.chips.size(), 1u);
  EXPECT_TRUE(o.chips[0].caps_in_device);
  EXPECT_FALSE(o.chips[0].caps_in_class);
  EXPECT_EQ(o.chips[0].version, VersionFile::absent);
  EXPECT_FALSE(o.chips[0].driver.has_value());  // no uevent
  EXPECT_EQ(o.class_tpmrm, DirState::absent);
}

TEST(Observe, VirtualChipAndJunkEntries) {
  TempTree t;
  t.write("sys/devices/virtual/tpm/tpm3/tpm_version_major", "2\n");
  t.symlink("../../devices/virtual/tpm/tpm3", "sys/class/tpm/tpm3");
  t.mkdir("sys/class/tpm/tpmX");
  t.mkdir("sys/class/tpm/tpm03");
  t.write("dev/tpm3", "");
  t.write("dev/tpmrm7", "");
  auto files = host::RootFileSource::open(t.str());
  ASSERT_TRUE(files);
  const auto o = observe_tree(*files);
  ASSERT_EQ(o.chips.size(), 1u);
  EXPECT_EQ(o.chips[0].index, 3u);
  EXPECT_TRUE(o.chips[0].virtual_path);
  EXPECT_FALSE(o.chips[0].device_link);
  EXPECT_FALSE(o.chips[0].hardware());
  EXPECT_TRUE(o.chips[0].raw_node);
  EXPECT_FALSE(o.chips[0].rm_node);
  EXPECT_EQ(o.ignored_class_entries, 2);
  EXPECT_EQ(o.rm_nodes, std::vector<unsigned>{7});
  EXPECT_EQ(o.securityfs, DirState::absent);
  EXPECT_FALSE(o.chips[0].event_log);
}

TEST(Observe, EmptyRootSeesNothing) {
  TempTree t;
  auto files = host::RootFileSource::open(t.str());
  ASSERT_TRUE(files);
  const auto o = observe_tree(*files);
  EXPECT_FALSE(o.sys_class_visible);
  EXPECT_EQ(o.class_tpm, DirState::absent);
  EXPECT_EQ(o.dev_dir, DirState::absent);
  EXPECT_EQ(o.acpi_tables, DirState::absent);
  EXPECT_TRUE(o.unreadable.empty());
}

}  // namespace
}  // namespace ztp::tpm
