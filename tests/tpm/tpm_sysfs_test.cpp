// The pure parsers behind the TPM probe.
#include "tpm/tpm_sysfs.h"

#include <gtest/gtest.h>

#include <string>

namespace ztp::tpm::sysfs {
namespace {

TEST(ParseVersionMajor, AcceptsOnlyOneAndTwo) {
  EXPECT_EQ(parse_version_major("2\n"), 2);
  EXPECT_EQ(parse_version_major("1\n"), 1);
  EXPECT_EQ(parse_version_major(" 2 "), 2);
  EXPECT_EQ(parse_version_major("2"), 2);
  for (const char* bad : {"", "\n", "0", "3", "2.0", "02", "12", "-1", "two", "2\n2\n", "1 2"}) {
    EXPECT_EQ(parse_version_major(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_version_major(std::string("2\0", 2)), std::nullopt);
  EXPECT_EQ(parse_version_major("\xff\xfe"), std::nullopt);
}

TEST(ParseIndexedName, ChipAndResourceManagerNames) {
  EXPECT_EQ(parse_indexed_name("tpm0", "tpm"), 0u);
  EXPECT_EQ(parse_indexed_name("tpm12", "tpm"), 12u);
  EXPECT_EQ(parse_indexed_name("tpmrm0", "tpmrm"), 0u);
  EXPECT_EQ(parse_indexed_name("tpm65535", "tpm"), 65535u);
  // tpmrmN is not a chip, and a chip is not a resource manager.
  EXPECT_EQ(parse_indexed_name("tpmrm0", "tpm"), std::nullopt);
  EXPECT_EQ(parse_indexed_name("tpm0", "tpmrm"), std::nullopt);
  for (const char* bad : {"tpm", "tpm01", "tpm-1", "tpm+1", "tpm65536", "tpm99999999999", "tpmX",
                          "vtpmx", "TPM0", "tpm0 ", ""}) {
    EXPECT_EQ(parse_indexed_name(bad, "tpm"), std::nullopt) << bad;
  }
}

TEST(PcrBankName, TakesTheAlgorithmFromTheDirectoryName) {
  EXPECT_EQ(pcr_bank_name("pcr-sha1"), "sha1");
  EXPECT_EQ(pcr_bank_name("pcr-sha256"), "sha256");
  EXPECT_EQ(pcr_bank_name("pcr-sm3"), "sm3");
  EXPECT_EQ(pcr_bank_name("pcr-sm3_256"), "sm3_256");
  for (const char* bad : {"pcr-", "pcrs", "pcr-SHA256", "pcr-sha 256", "pcr-sha256!",
                          "pcr-aaaaaaaaaaaaaaaaa", "ppi", "pcr_sha1", ""}) {
    EXPECT_EQ(pcr_bank_name(bad), std::nullopt) << bad;
  }
}

TEST(UeventDriver, ReadsAValidatedDriverName) {
  EXPECT_EQ(uevent_driver("DRIVER=tpm_crb\nMODALIAS=acpi:MSFT0101:\n"), "tpm_crb");
  EXPECT_EQ(uevent_driver("MODALIAS=pnp:dMSFT0101\nDRIVER=tpm_tis\n"), "tpm_tis");
  EXPECT_EQ(uevent_driver("DRIVER=xen-tpmfront"), "xen-tpmfront");
  EXPECT_EQ(uevent_driver("MODALIAS=acpi:MSFT0101:\n"), std::nullopt);
  EXPECT_EQ(uevent_driver("DRIVER=\n"), std::nullopt);
  EXPECT_EQ(uevent_driver("DRIVER=$(reboot)\n"), std::nullopt);
  EXPECT_EQ(uevent_driver("DRIVER=a b\n"), std::nullopt);
  EXPECT_EQ(uevent_driver("DRIVER=" + std::string(33, 'a')), std::nullopt);
  EXPECT_EQ(uevent_driver("XDRIVER=tpm_tis\n"), std::nullopt);
  EXPECT_EQ(uevent_driver(""), std::nullopt);
}

TEST(IsImaMeasurementList, KnowsTheLegacyAndPerBankNames) {
  EXPECT_TRUE(is_ima_measurement_list("ascii_runtime_measurements"));
  EXPECT_TRUE(is_ima_measurement_list("binary_runtime_measurements"));
  EXPECT_TRUE(is_ima_measurement_list("ascii_runtime_measurements_sha256"));
  EXPECT_FALSE(is_ima_measurement_list("runtime_measurements_count"));
  EXPECT_FALSE(is_ima_measurement_list("policy"));
  EXPECT_FALSE(is_ima_measurement_list("violations"));
}

}  // namespace
}  // namespace ztp::tpm::sysfs
