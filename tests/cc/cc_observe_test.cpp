// Collection through the host view: CPUID decoding, sysfs parsing, unreadable files.
#include "cc/cc_observations.h"

#include <gtest/gtest.h>

#include "host/cpuid_source.h"
#include "testlib/file_source_wrappers.h"
#include "testlib/temp_tree.h"

namespace ztp::cc {
namespace {

using host::ReplayCpuid;

CpuidFacts facts(const std::string& dump) {
  auto cpuid = ReplayCpuid::parse(dump);
  EXPECT_TRUE(cpuid) << cpuid.error().message;
  return read_cpuid_facts(*cpuid);
}

const std::string k_amd_guest_head =
    "   0x00000000 0x00: eax=0x00000010 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
    "   0x00000001 0x00: eax=0x00a00f11 ebx=0x0 ecx=0x80000000 edx=0x0\n"
    "   0x80000000 0x00: eax=0x80000021 ebx=0x0 ecx=0x0 edx=0x0\n";

TEST(ReadCpuidFacts, DecodesAmdMemoryEncryptionLeaf) {
  const auto f =
      facts(k_amd_guest_head + "   0x8000001f 0x00: eax=0x0001007b ebx=0x0 ecx=0x0 edx=0x0\n");
  EXPECT_EQ(f.vendor, CpuVendor::amd);
  EXPECT_TRUE(f.hypervisor);
  EXPECT_TRUE(f.amd_sev);
  EXPECT_TRUE(f.amd_sev_es);
  EXPECT_TRUE(f.amd_sev_snp);
}

TEST(ReadCpuidFacts, IgnoresLeavesAboveTheAdvertisedMaximum) {
  const auto f = facts(
      "   0x00000000 0x00: eax=0x00000016 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
      "   0x00000021 0x00: eax=0x0 ebx=0x65746e49 ecx=0x20202020 edx=0x5844546c\n");
  EXPECT_EQ(f.vendor, CpuVendor::intel);
  EXPECT_FALSE(f.tdx_leaf);  // max basic leaf 0x16 < 0x21
  const auto g = facts(
      "   0x00000000 0x00: eax=0x00000021 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
      "   0x00000021 0x00: eax=0x0 ebx=0x65746e49 ecx=0x20202020 edx=0x5844546c\n");
  EXPECT_TRUE(g.tdx_leaf);
}

TEST(ReadCpuidFacts, HyperVLeavesNeedTheVendorAndASaneMaximum) {
  const std::string azure =
      k_amd_guest_head +
      "   0x40000000 0x00: eax=0x4000000c ebx=0x7263694d ecx=0x666f736f edx=0x76482074\n"
      "   0x40000003 0x00: eax=0x0 ebx=0x00400000 ecx=0x0 edx=0x0\n"
      "   0x4000000c 0x00: eax=0x00000001 ebx=0x00000ba2 ecx=0x0 edx=0x0\n";
  const auto f = facts(azure);
  EXPECT_TRUE(f.hv_interface);
  EXPECT_TRUE(f.hv_isolation);
  EXPECT_TRUE(f.hv_paravisor);
  EXPECT_EQ(f.hv_isolation_type, 2u);
  EXPECT_FALSE(f.hv_emulated);

  // KVM's signature at 0x40000100 marks the Hyper-V interface as emulated.
  const auto kvm = facts(
      azure + "   0x40000100 0x00: eax=0x40000101 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d\n");
  EXPECT_TRUE(kvm.hv_emulated);

  // A max leaf below 0x4000000C: the isolation leaf is not read.
  std::string low = azure;
  low.replace(low.find("eax=0x4000000c"), 14, "eax=0x40000006");
  const auto l = facts(low);
  EXPECT_TRUE(l.hv_interface);
  EXPECT_EQ(l.hv_isolation_type, 0u);
}

TEST(ReadCpuidFacts, NoCpuidMeansNothing) {
  const auto f = facts("");
  EXPECT_FALSE(f.available);
  EXPECT_FALSE(f.hypervisor);
}

TEST(ArchFromCpuinfo, RecognisesTheThreeFormats) {
  EXPECT_EQ(arch_from_cpuinfo("processor\t: 0\nvendor_id\t: GenuineIntel\n"), Arch::x86);
  EXPECT_EQ(arch_from_cpuinfo("vendor_id       : IBM/S390\n# processors    : 2\n"), Arch::s390x);
  EXPECT_EQ(arch_from_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n"),
            Arch::arm64);
  EXPECT_EQ(arch_from_cpuinfo("garbage\n"), Arch::unknown);
  EXPECT_EQ(arch_from_cpuinfo(""), Arch::unknown);
}

TEST(ParseTri, ModuleParameterFormats) {
  EXPECT_EQ(parse_tri("Y\n"), Tri::yes);
  EXPECT_EQ(parse_tri("1\n"), Tri::yes);
  EXPECT_EQ(parse_tri("N\n"), Tri::no);
  EXPECT_EQ(parse_tri("0\n"), Tri::no);
  EXPECT_EQ(parse_tri("banana"), Tri::unreadable);
}

class ObserveFiles : public ::testing::Test {
 protected:
  ztp::testing::TempTree tree;
  CcObservations observe_tree(const std::vector<std::string>& denied = {}) {
    auto files = host::RootFileSource::open(tree.str());
    EXPECT_TRUE(files);
    ztp::testing::RecordingFileSource recording(*files);
    for (const auto& d : denied) {
      recording.deny(d);
    }
    auto cpuid = ReplayCpuid::parse("");
    auto msr = host::ReplayMsr::parse("");
    return observe(host::HostView{recording, *cpuid, *msr});
  }
};

TEST_F(ObserveFiles, BuiltinVersusLoadedSevGuestModule) {
  tree.write("sys/module/sev_guest/parameters/vmpck_id", "0\n");
  auto o = observe_tree();
  EXPECT_TRUE(o.files.sev_guest_module_builtin);
  EXPECT_FALSE(o.files.sev_guest_module_loaded);
  tree.write("sys/module/sev_guest/initstate", "live\n");
  o = observe_tree();
  EXPECT_FALSE(o.files.sev_guest_module_builtin);
  EXPECT_TRUE(o.files.sev_guest_module_loaded);
}

TEST_F(ObserveFiles, HostParametersAndMiscCapacity) {
  tree.write("sys/module/kvm_amd/parameters/sev", "1\n");
  tree.write("sys/module/kvm_amd/parameters/sev_es", "Y\n");
  tree.write("sys/module/kvm_amd/parameters/sev_snp", "garbage\n");
  tree.write("sys/fs/cgroup/misc/misc.capacity", "sev 509\nsev_es 10\n");  // cgroup v1
  const auto o = observe_tree();
  EXPECT_EQ(o.files.kvm_amd_sev, Tri::yes);
  EXPECT_EQ(o.files.kvm_amd_sev_es, Tri::yes);
  EXPECT_EQ(o.files.kvm_amd_sev_snp, Tri::unreadable);
  EXPECT_EQ(o.files.misc_sev, 509u);
  EXPECT_EQ(o.files.misc_sev_es, 10u);
  ASSERT_EQ(o.files.unreadable.size(), 1u);
  EXPECT_NE(o.files.unreadable[0].find("sev_snp"), std::string::npos);
}

TEST_F(ObserveFiles, PermissionDeniedIsRecordedNotFatal) {
  tree.write("sys/module/kvm_intel/parameters/tdx", "Y\n");
  tree.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu tdx_host_platform\n");
  const auto o = observe_tree({"/sys/module/kvm_intel/parameters", "/proc/cpuinfo"});
  EXPECT_TRUE(o.files.kvm_intel_loaded);
  EXPECT_EQ(o.files.kvm_intel_tdx, Tri::unreadable);
  EXPECT_FALSE(o.files.cpuinfo_readable);
  EXPECT_EQ(o.files.unreadable.size(), 2u);
}

TEST_F(ObserveFiles, MsrIsOnlyReadInAnAmdGuest) {
  tree.write("proc/cpuinfo", "vendor_id\t: AuthenticAMD\n");
  auto files = host::RootFileSource::open(tree.str());
  auto msr = host::ReplayMsr::parse("0xc0010131 0x7\n");
  auto bare = ReplayCpuid::parse(
      "   0x00000000 0x00: eax=0x10 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n");
  auto o = observe(host::HostView{*files, *bare, *msr});
  EXPECT_FALSE(o.msr.sev_status_readable);  // bare metal: SEV_STATUS would #GP
  auto guest = ReplayCpuid::parse(k_amd_guest_head);
  o = observe(host::HostView{*files, *guest, *msr});
  EXPECT_TRUE(o.msr.sev_status_readable);
  EXPECT_TRUE(o.msr.sev_snp);
}

}  // namespace
}  // namespace ztp::cc
