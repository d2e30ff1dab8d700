// The decision rules on hand-built observations: one test per precedence step.
#include "cc/cc_rules.h"

#include <gtest/gtest.h>

namespace ztp::cc {
namespace {

CcObservations amd_guest() {
  CcObservations o;
  o.cpuid.available = true;
  o.cpuid.vendor = CpuVendor::amd;
  o.cpuid.hypervisor = true;
  o.cpuid.max_basic = 0x10;
  o.cpuid.max_extended = 0x80000021;
  o.cpuid.amd_sev = true;
  o.cpuid.amd_sev_es = true;
  o.msr.unreadable_reason = "'/dev/cpu/0/msr': No such file or directory";
  return o;
}

CcObservations intel_guest() {
  CcObservations o;
  o.cpuid.available = true;
  o.cpuid.vendor = CpuVendor::intel;
  o.cpuid.hypervisor = true;
  o.cpuid.max_basic = 0x23;
  return o;
}

CcObservations azure(CpuVendor vendor, std::uint32_t isolation_type) {
  CcObservations o = vendor == CpuVendor::amd ? amd_guest() : intel_guest();
  o.cpuid.amd_sev = false;  // the paravisor hides the SEV leaf
  o.cpuid.hv_interface = true;
  o.cpuid.hv_isolation = true;
  o.cpuid.hv_paravisor = true;
  o.cpuid.hv_isolation_type = isolation_type;
  return o;
}

GuestMode mode(const CcObservations& o) { return classify_guest(o).mode; }

TEST(ClassifyGuest, NothingVisibleIsUnknownNeverNone) {
  EXPECT_EQ(mode(CcObservations{}), GuestMode::unknown);
}

TEST(ClassifyGuest, BareMetalIsNone) {
  CcObservations o = amd_guest();
  o.cpuid.hypervisor = false;
  EXPECT_EQ(mode(o), GuestMode::none);
}

TEST(ClassifyGuest, GuestDeviceOnBareMetalIsContradictory) {
  CcObservations o = amd_guest();
  o.cpuid.hypervisor = false;
  o.files.sev_guest_device_node = true;
  const auto v = classify_guest(o);
  EXPECT_EQ(v.mode, GuestMode::unknown);
  EXPECT_NE(v.reasons.front().find("contradictory"), std::string::npos);
}

TEST(ClassifyGuest, SevStatusMsrDecidesFromTheMostSpecificBit) {
  CcObservations o = amd_guest();
  o.msr.sev_status_readable = true;
  EXPECT_EQ(mode(o), GuestMode::none);
  o.msr.sev = true;
  EXPECT_EQ(mode(o), GuestMode::sev);
  o.msr.sev_es = true;
  EXPECT_EQ(mode(o), GuestMode::sev_es);
  o.msr.sev_snp = true;
  EXPECT_EQ(mode(o), GuestMode::sev_snp);
}

TEST(ClassifyGuest, MsrWithoutSnpButSnpDeviceIsContradictory) {
  CcObservations o = amd_guest();
  o.msr.sev_status_readable = true;
  o.msr.sev = true;
  o.files.sev_guest_platform_device = true;
  EXPECT_EQ(mode(o), GuestMode::unknown);
}

TEST(ClassifyGuest, WithoutMsrEachSnpOnlyKernelObjectSuffices) {
  for (int i = 0; i < 4; ++i) {
    CcObservations o = amd_guest();
    (i == 0   ? o.files.sev_guest_platform_device
     : i == 1 ? o.files.sev_guest_device_node
     : i == 2 ? o.files.sev_guest_module_loaded
              : o.files.sev_vmpl_sysfs) = true;
    EXPECT_EQ(mode(o), GuestMode::sev_snp) << i;
  }
}

TEST(ClassifyGuest, BuiltinSevGuestModuleProvesNothing) {
  CcObservations o = amd_guest();
  o.cpuid.amd_sev = false;
  o.files.sev_guest_module_builtin = true;
  EXPECT_EQ(mode(o), GuestMode::none);
}

TEST(ClassifyGuest, WithoutMsrOrSevCpuidBitAnAmdGuestIsNone) {
  CcObservations o = amd_guest();
  o.cpuid.amd_sev = false;
  EXPECT_EQ(mode(o), GuestMode::none);
}

TEST(ClassifyGuest, SevOfferedButMsrUnreadableIsUnknownWithTheReason) {
  const auto v = classify_guest(amd_guest());
  EXPECT_EQ(v.mode, GuestMode::unknown);
  EXPECT_NE(v.reasons.front().find("SEV_STATUS MSR is unreadable"), std::string::npos);
  EXPECT_NE(v.reasons.front().find("No such file"), std::string::npos);
}

TEST(ClassifyGuest, AzureParavisorIsolationTypes) {
  EXPECT_EQ(mode(azure(CpuVendor::amd, 2)), GuestMode::sev_snp);
  EXPECT_EQ(mode(azure(CpuVendor::intel, 3)), GuestMode::tdx);
  EXPECT_EQ(mode(azure(CpuVendor::amd, 1)), GuestMode::none);       // VBS
  EXPECT_EQ(mode(azure(CpuVendor::intel, 2)), GuestMode::unknown);  // SNP on Intel
  EXPECT_EQ(mode(azure(CpuVendor::amd, 3)), GuestMode::unknown);    // TDX on AMD
  EXPECT_EQ(mode(azure(CpuVendor::amd, 9)), GuestMode::unknown);
}

TEST(ClassifyGuest, HyperVRootPartitionIsNotAGuest) {
  CcObservations o = azure(CpuVendor::amd, 2);
  o.cpuid.hv_root_partition = true;
  EXPECT_EQ(mode(o), GuestMode::none);
}

TEST(ClassifyGuest, HyperVRootPartitionOnAmdWithSevBitsIsNone) {
  CcObservations o = amd_guest();  // SEV offered in CPUID, MSR unreadable
  o.cpuid.hv_interface = true;
  o.cpuid.hv_root_partition = true;
  EXPECT_EQ(mode(o), GuestMode::none);
}

TEST(ClassifyGuest, SmeBitAloneKeepsSevPossible) {
  CcObservations o = amd_guest();
  o.cpuid.amd_sev = false;
  o.cpuid.amd_sme = true;
  EXPECT_EQ(mode(o), GuestMode::unknown);
}

TEST(ClassifyGuest, EmulatedHyperVIsolationIsIgnored) {
  CcObservations o = azure(CpuVendor::intel, 3);
  o.cpuid.hv_emulated = true;
  const auto v = classify_guest(o);
  EXPECT_EQ(v.mode, GuestMode::none);
  EXPECT_NE(v.reasons.front().find("emulated"), std::string::npos);
}

TEST(ClassifyGuest, HyperVWithoutIsolationFallsThroughToTheVendor) {
  CcObservations o = intel_guest();
  o.cpuid.hv_interface = true;
  EXPECT_EQ(mode(o), GuestMode::none);
  o.cpuid.tdx_leaf = true;
  EXPECT_EQ(mode(o), GuestMode::tdx);
}

TEST(ClassifyGuest, TdxLeafWithAndWithoutDriver) {
  CcObservations o = intel_guest();
  o.cpuid.tdx_leaf = true;
  EXPECT_EQ(mode(o), GuestMode::tdx);
  o.files.tdx_guest_device_node = true;
  EXPECT_EQ(mode(o), GuestMode::tdx);
}

TEST(ClassifyGuest, TdxDeviceWithoutTheLeafIsContradictory) {
  CcObservations o = intel_guest();
  o.files.tdx_guest_device_node = true;
  EXPECT_EQ(mode(o), GuestMode::unknown);
  o.cpuid.max_basic = 0x16;  // leaf capped by the hypervisor: the kernel saw it at boot
  EXPECT_EQ(mode(o), GuestMode::tdx);
}

TEST(ClassifyGuest, CrossVendorObjectsAreContradictory) {
  CcObservations amd = amd_guest();
  amd.files.tdx_guest_device_node = true;
  EXPECT_EQ(mode(amd), GuestMode::unknown);
  CcObservations intel = intel_guest();
  intel.files.sev_guest_device_node = true;
  EXPECT_EQ(mode(intel), GuestMode::unknown);
}

TEST(ClassifyGuest, X86WithoutCpuidUsesKernelObjectsOnly) {
  CcObservations o;
  o.files.cpuinfo_arch = Arch::x86;
  EXPECT_EQ(mode(o), GuestMode::unknown);
  o.files.sev_guest_platform_device = true;
  EXPECT_EQ(mode(o), GuestMode::sev_snp);
  o.files.tdx_guest_device_node = true;
  EXPECT_EQ(mode(o), GuestMode::unknown);
}

TEST(ClassifyGuest, ArmRealmsAcrossKernelGenerations) {
  CcObservations o;
  o.files.cpuinfo_arch = Arch::arm64;
  EXPECT_EQ(mode(o), GuestMode::none);
  o.files.cca_guest_module_loaded = true;  // 6.13
  EXPECT_EQ(mode(o), GuestMode::cca);
  o.files.cca_guest_module_loaded = false;
  o.files.cca_platform_device = true;  // 6.14+
  EXPECT_EQ(mode(o), GuestMode::cca);
}

TEST(ClassifyGuest, S390SecureExecution) {
  CcObservations o;
  o.files.cpuinfo_arch = Arch::s390x;
  EXPECT_EQ(mode(o), GuestMode::none);
  o.files.s390_uv_facility = true;
  EXPECT_EQ(mode(o), GuestMode::unknown);  // no prot_virt_guest file
  o.files.s390_prot_virt_guest = Tri::no;
  EXPECT_EQ(mode(o), GuestMode::none);
  o.files.s390_prot_virt_guest = Tri::yes;
  EXPECT_EQ(mode(o), GuestMode::protvirt);
  o.files.s390_prot_virt_guest = Tri::unreadable;
  EXPECT_EQ(mode(o), GuestMode::unknown);
}

TEST(ClassifyGuest, UnreadablePathsAreListedAsEvidence) {
  CcObservations o = amd_guest();
  o.files.unreadable.push_back("'/sys/module/kvm_amd/parameters/sev': Permission denied");
  const auto v = classify_guest(o);
  EXPECT_NE(v.reasons.back().find("Permission denied"), std::string::npos);
}

std::vector<HostCapability> caps(const CcObservations& o) { return classify_host(o).capabilities; }

TEST(ClassifyHost, KvmAmdParametersDecideWhenSevFirmwareIsPresent) {
  CcObservations o;
  o.files.kvm_amd_loaded = true;
  o.files.sev_firmware_device = Tri::yes;
  o.files.kvm_amd_sev = Tri::yes;
  o.files.kvm_amd_sev_es = Tri::yes;
  o.files.kvm_amd_sev_snp = Tri::yes;
  EXPECT_EQ(caps(o),
            (std::vector{HostCapability::sev, HostCapability::sev_es, HostCapability::sev_snp}));
  o.files.kvm_amd_sev_snp = Tri::no;
  o.files.kvm_amd_sev_es = Tri::absent;  // 5.4: no sev_es parameter yet
  EXPECT_EQ(caps(o), (std::vector{HostCapability::sev}));
}

TEST(ClassifyHost, AdvertisedButDisabledIsNotCapable) {
  CcObservations o;
  o.cpuid.available = true;
  o.cpuid.amd_sev = true;
  o.files.kvm_amd_loaded = true;
  o.files.kvm_amd_sev = Tri::no;
  o.files.kvm_amd_sev_es = Tri::no;
  o.files.misc_sev = 0;
  const auto v = classify_host(o);
  EXPECT_TRUE(v.capabilities.empty());
  EXPECT_NE(v.reasons.front().find("disabled"), std::string::npos);

  CcObservations tdx;
  tdx.files.cpu_flag_tdx_host_platform = true;
  tdx.files.kvm_intel_loaded = true;
  tdx.files.kvm_intel_tdx = Tri::no;
  tdx.files.misc_tdx = 16;  // a stale capacity never overrides the parameter
  EXPECT_TRUE(caps(tdx).empty());
}

TEST(ClassifyHost, KvmAmdSevWithoutPspFirmwareIsNotCapable) {
  // 5.13..~6.16 set sev=Y on Ryzen laptops without SEV firmware (AMDSEV#191).
  CcObservations o;
  o.files.kvm_amd_loaded = true;
  o.files.kvm_amd_sev = Tri::yes;
  o.files.misc_sev = 15;
  const auto v = classify_host(o);
  EXPECT_TRUE(v.capabilities.empty());
  EXPECT_NE(v.reasons.front().find("SEV firmware device is absent"), std::string::npos);
}

TEST(ClassifyHost, MiscCapacityStandsInForAnUnreadableParameter) {
  CcObservations o;
  o.files.kvm_amd_loaded = true;
  o.files.sev_firmware_device = Tri::yes;
  o.files.kvm_amd_sev = Tri::unreadable;
  o.files.misc_sev = 509;
  EXPECT_EQ(caps(o), (std::vector{HostCapability::sev}));
  o.files.kvm_amd_loaded = false;
  EXPECT_TRUE(caps(o).empty());
}

TEST(ClassifyHost, TdxAndProtvirt) {
  CcObservations o;
  o.files.kvm_intel_loaded = true;
  o.files.kvm_intel_tdx = Tri::yes;
  o.files.s390_prot_virt_host = Tri::yes;
  EXPECT_EQ(caps(o), (std::vector{HostCapability::tdx, HostCapability::protvirt}));
}

// redteam.md BUG-12: an unreadable /dev or sysfs device was reported "absent".
TEST(ClassifyHost, UnreadableSevFirmwareDeviceIsNotCalledAbsent) {
  CcObservations o;
  o.files.kvm_amd_loaded = true;
  o.files.kvm_amd_sev_snp = Tri::yes;
  o.files.sev_firmware_device = Tri::unreadable;
  const auto v = classify_host(o);
  EXPECT_TRUE(v.capabilities.empty());
  ASSERT_FALSE(v.reasons.empty());
  EXPECT_NE(v.reasons.front().find("cannot be checked (unreadable)"), std::string::npos);
  EXPECT_EQ(v.reasons.front().find("absent"), std::string::npos);
}

// BUG-12: directories planted at kvm_amd's parameters read as "kvm_amd has it disabled".
TEST(ClassifyHost, UnreadableKvmAmdParametersAreNotCalledDisabled) {
  CcObservations o;
  o.cpuid.available = true;
  o.cpuid.amd_sev = true;
  o.files.kvm_amd_loaded = true;
  o.files.kvm_amd_sev = Tri::unreadable;
  o.files.kvm_amd_sev_es = Tri::unreadable;
  o.files.kvm_amd_sev_snp = Tri::unreadable;
  const auto v = classify_host(o);
  EXPECT_TRUE(v.capabilities.empty());
  ASSERT_FALSE(v.reasons.empty());
  EXPECT_NE(v.reasons.front().find("cannot be read"), std::string::npos);
  EXPECT_EQ(v.reasons.front().find("disabled"), std::string::npos);
}

// A guest on a CPU vendor the rules do not model (a Hygon CSV guest reads
// "HygonGenuine" and offers the SEV bits) is unknown, never a confident none.
TEST(ClassifyGuest, UnmodelledVendorGuestIsUnknown) {
  CcObservations o;
  o.cpuid.available = true;
  o.cpuid.vendor = CpuVendor::other;
  o.cpuid.hypervisor = true;
  o.cpuid.amd_sev = true;
  const auto v = classify_guest(o);
  EXPECT_EQ(v.mode, GuestMode::unknown);
  EXPECT_NE(v.reasons.front().find("do not model"), std::string::npos);
  EXPECT_NE(v.reasons.front().find("SEV-like"), std::string::npos);

  o.cpuid.amd_sev = false;
  EXPECT_EQ(classify_guest(o).mode, GuestMode::unknown);

  o.cpuid.hypervisor = false;  // bare metal of any vendor is not a guest
  EXPECT_EQ(classify_guest(o).mode, GuestMode::none);
}

}  // namespace
}  // namespace ztp::cc
