#include "host/cpuid_source.h"

#include <gtest/gtest.h>

namespace ztp::host {
namespace {

constexpr const char* k_epyc_dump =
    "CPU:\n"
    "   0x00000000 0x00: eax=0x0000001c ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
    "   0x00000001 0x00: eax=0x00a10f11 ebx=0x01020800 ecx=0xfffa3203 edx=0x178bfbff\n"
    "   0x0000000b 0x01: eax=0x00000005 ebx=0x00000002 ecx=0x00000201 edx=0x00000001\n"
    "   0x8000001f 0x00: eax=0x0001007b ebx=0x00000173 ecx=0x000001fd edx=0x00000001\n";

TEST(ReplayCpuid, ParsesTheCpuidPackageRawFormat) {
  const auto cpuid = ReplayCpuid::parse(k_epyc_dump);
  ASSERT_TRUE(cpuid) << cpuid.error().message;
  EXPECT_TRUE(cpuid->available());
  EXPECT_EQ(cpuid->entries().size(), 4u);
  EXPECT_EQ(cpuid->query(0x8000001f), (CpuidRegs{0x0001007b, 0x00000173, 0x000001fd, 0x1}));
  EXPECT_EQ(cpuid->query(0xb, 1), (CpuidRegs{5, 2, 0x201, 1}));
}

TEST(ReplayCpuid, UnlistedLeavesReadAsZero) {
  const auto cpuid = ReplayCpuid::parse(k_epyc_dump);
  ASSERT_TRUE(cpuid);
  EXPECT_EQ(cpuid->query(0x21), CpuidRegs{});
  EXPECT_EQ(cpuid->query(0xb, 7), CpuidRegs{});
}

TEST(ReplayCpuid, EmptyTextMeansNoCpuid) {
  for (const char* text : {"", "\n\n", "   \n"}) {
    const auto cpuid = ReplayCpuid::parse(text);
    ASSERT_TRUE(cpuid);
    EXPECT_FALSE(cpuid->available());
    EXPECT_EQ(cpuid->query(0), CpuidRegs{});
  }
}

TEST(ReplayCpuid, KeepsOnlyTheFirstCpuOfAMultiCpuDump) {
  const auto cpuid = ReplayCpuid::parse(
      "CPU 0:\n   0x00000000 0x00: eax=0x00000001 ebx=0x0 ecx=0x0 edx=0x0\n"
      "CPU 1:\n   0x00000000 0x00: eax=0x00000002 ebx=0x0 ecx=0x0 edx=0x0\n");
  ASSERT_TRUE(cpuid);
  EXPECT_EQ(cpuid->query(0).eax, 1u);
}

TEST(ReplayCpuid, MalformedLineIsBadInputNamingTheLine) {
  const auto cpuid = ReplayCpuid::parse(
      "CPU:\n   0x00000000 0x00: eax=0x1 ebx=0x0 ecx=0x0 edx=0x0\n   0x00000001 0x00: eax=zz\n");
  ASSERT_FALSE(cpuid);
  EXPECT_EQ(cpuid.error().kind, ErrorKind::bad_input);
  EXPECT_NE(cpuid.error().message.find("line 3"), std::string::npos) << cpuid.error().message;
}

TEST(ReplayCpuid, RejectsTruncatedAndTrailingGarbage) {
  EXPECT_FALSE(ReplayCpuid::parse("0x1 0x0: eax=0x1 ebx=0x2 ecx=0x3\n"));
  EXPECT_FALSE(ReplayCpuid::parse("0x1 0x0: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4 extra\n"));
  EXPECT_FALSE(ReplayCpuid::parse("0x1 0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"));
  EXPECT_FALSE(ReplayCpuid::parse("0x100000000 0x0: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"));
  EXPECT_FALSE(ReplayCpuid::parse("hello\n"));
}

TEST(NativeCpuid, AvailableOnX86AndAgreesWithItself) {
  const NativeCpuid cpuid;
#if defined(__x86_64__)
  EXPECT_TRUE(cpuid.available());
  EXPECT_GE(cpuid.query(0).eax, 1u);  // every x86-64 CPU has leaf 1
  EXPECT_EQ(cpuid.query(0), cpuid.query(0));
#else
  EXPECT_FALSE(cpuid.available());
#endif
}

}  // namespace
}  // namespace ztp::host
