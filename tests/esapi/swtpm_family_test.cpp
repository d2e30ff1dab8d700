// Integration: a real TPM 2.0 (swtpm on loopback, reached through ESAPI) describes
// itself, and the classification ztp-prem-tpm makes from the sysfs the kernel would
// create for that TPM agrees with it: family tpm2-*, pcrBanks = the allocated banks.
#include <gtest/gtest.h>

#include <tss2/tss2_tpm2_types.h>
#include <iostream>
#include <set>

#include "esapi/esapi_session.h"
#include "host/cpuid_source.h"
#include "host/file_source.h"
#include "host/msr_source.h"
#include "swtpm_process.h"
#include "testlib/temp_tree.h"
#include "tpm/tpm_detector.h"

namespace ztp::esapi {
namespace {

using ztp::testing::SwtpmProcess;
using ztp::testing::TempTree;

TEST(TctiConfig, RefusesAnythingThatDoesNotNameATpm) {
  // Empty or bare configurations make tctildr probe devices and then localhost:2321.
  for (const char* bad : {"", "swtpm", "swtpm:", "swtpm:port=2321", "swtpm:host=127.0.0.1",
                          "mssim:host=127.0.0.1,port=2321", "device:", "device:/dev/",
                          "tabrmd:", "libtss2-tcti-default.so"}) {
    EXPECT_FALSE(validate_tcti_config(bad)) << bad;
    EXPECT_FALSE(Session::open(bad)) << bad;
  }
  EXPECT_TRUE(validate_tcti_config("swtpm:host=127.0.0.1,port=40000"));
  EXPECT_TRUE(validate_tcti_config("device:/dev/tpmrm0"));
}

TEST(KernelBankName, MatchesTheKernelHashNames) {
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_SHA1), "sha1");
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_SHA256), "sha256");
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_SHA384), "sha384");
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_SHA512), "sha512");
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_SM3_256), "sm3");
  EXPECT_EQ(kernel_bank_name(TPM2_ALG_RSA), std::nullopt);
}

TEST(FamilyIndicator, DecodesBigEndianAscii) {
  EXPECT_EQ(decode_family_indicator(0x322E3000), "2.0");  // tpm2-tools #604 shows 0x322E3000
  EXPECT_EQ(decode_family_indicator(0), "");
}

// What drivers/char/tpm/tpm-sysfs.c and tpm-chip.c create for a TPM 2.0 chip with a
// resource manager, given the TPM's own report: tpm_version_major from the family,
// one pcr-<name> directory per allocated bank the kernel has a hash for.
void write_kernel_sysfs(const TempTree& t, const std::string& family,
                        const std::vector<PcrBank>& banks) {
  const std::string chip = "sys/devices/platform/MSFT0101:00/tpm/tpm0";
  t.write(chip + "/dev", "10:224\n");
  t.write(chip + "/tpm_version_major", family == "2.0" ? "2\n" : "1\n");
  for (const auto& bank : banks) {
    const auto name = kernel_bank_name(bank.alg);
    if (bank.selected_pcrs > 0 && name) {
      t.write(chip + "/pcr-" + std::string(*name) + "/0", "00\n");
    }
  }
  t.symlink("../../../MSFT0101:00", chip + "/device");
  t.symlink("../../devices/platform/MSFT0101:00/tpm/tpm0", "sys/class/tpm/tpm0");
  t.write("sys/devices/platform/MSFT0101:00/tpmrm/tpmrm0/dev", "252:65536\n");
  t.symlink("../../devices/platform/MSFT0101:00/tpmrm/tpmrm0", "sys/class/tpmrm/tpmrm0");
  t.write("dev/tpm0", "");
  t.write("dev/tpmrm0", "");
}

class Swtpm : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto exe = SwtpmProcess::find_executable();
    if (!exe) {
      GTEST_SKIP() << "swtpm is not installed (Debian package swtpm; scripts/bootstrap)";
    }
    for (int attempt = 0; attempt < 3 && !m_swtpm; ++attempt) {
      auto started = SwtpmProcess::start(*exe);  // a port race is retried
      if (started) {
        m_swtpm = std::move(*started);
      } else {
        m_error = started.error().message;
      }
    }
    ASSERT_TRUE(m_swtpm) << m_error;
  }
  std::unique_ptr<SwtpmProcess> m_swtpm;
  std::string m_error;
};

TEST_F(Swtpm, PortIsChosenAtRunTimeAndNamedExplicitly) {
  EXPECT_NE(m_swtpm->port(), 2321u);
  EXPECT_EQ(m_swtpm->tcti_config(), "swtpm:host=127.0.0.1,port=" + std::to_string(m_swtpm->port()));
}

TEST_F(Swtpm, ClassificationAgreesWithWhatTheTpmReports) {
  auto session = Session::open(m_swtpm->tcti_config());
  ASSERT_TRUE(session) << session.error().message;
  auto started = session->startup_clear();
  ASSERT_TRUE(started) << started.error().message;
  auto family = session->family_indicator();
  ASSERT_TRUE(family) << family.error().message;
  EXPECT_EQ(*family, "2.0");
  auto banks = session->pcr_banks();
  ASSERT_TRUE(banks) << banks.error().message;
  ASSERT_FALSE(banks->empty());

  std::set<std::string> reported;
  for (const auto& bank : *banks) {
    const auto name = kernel_bank_name(bank.alg);
    if (bank.selected_pcrs > 0 && name) {
      reported.emplace(*name);
    }
  }
  EXPECT_TRUE(reported.count("sha256")) << "swtpm allocates sha256 by default";
  std::string listed;
  for (const auto& name : reported) {
    listed += (listed.empty() ? "" : ",") + name;
  }
  RecordProperty("allocated_banks", listed);
  std::cout << "swtpm reports TPM family " << *family << ", allocated banks " << listed << "\n";

  TempTree tree;
  write_kernel_sysfs(tree, *family, *banks);
  auto files = host::RootFileSource::open(tree.str());
  ASSERT_TRUE(files);
  const auto cpuid = host::ReplayCpuid::parse("");
  const auto msr = host::ReplayMsr::parse("");
  const tpm::TpmDetection d = tpm::detect(host::HostView{*files, *cpuid, *msr});
  EXPECT_TRUE(d.family == tpm::Family::tpm2_rm || d.family == tpm::Family::tpm2_raw);
  EXPECT_EQ(d.family, tpm::Family::tpm2_rm);
  const std::set<std::string> classified(d.measured_boot.pcr_banks.begin(),
                                         d.measured_boot.pcr_banks.end());
  EXPECT_EQ(classified, reported);
}

TEST_F(Swtpm, NothingListeningIsAnErrorNotAFallback) {
  // A closed port must fail rather than land on some other TPM (tpm2-tss logs the
  // refused connection on stderr: expected).
  const std::string config = "swtpm:host=127.0.0.1,port=" + std::to_string(m_swtpm->port() + 2);
  auto session = Session::open(config);
  if (session) {
    EXPECT_FALSE(session->startup_clear());
  }
}

}  // namespace
}  // namespace ztp::esapi
