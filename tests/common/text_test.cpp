#include "common/text.h"

#include <gtest/gtest.h>

namespace ztp::text {
namespace {

TEST(Trim, StripsKernelNewlinesAndSpaces) {
  EXPECT_EQ(trim("Y\n"), "Y");
  EXPECT_EQ(trim("  \t1 \r\n"), "1");
  EXPECT_EQ(trim("\n\n"), "");
  EXPECT_EQ(trim(""), "");
}

TEST(ParseKernelBool, AcceptsBoolAndIntegerParameterFormats) {
  EXPECT_EQ(parse_kernel_bool("Y\n"), true);
  EXPECT_EQ(parse_kernel_bool("N\n"), false);
  EXPECT_EQ(parse_kernel_bool("y"), true);
  EXPECT_EQ(parse_kernel_bool("1\n"), true);  // old int kvm_amd "sev"
  EXPECT_EQ(parse_kernel_bool("0\n"), false);
  EXPECT_EQ(parse_kernel_bool("-1\n"), false);  // int parameters may print -1 ("auto")
  EXPECT_EQ(parse_kernel_bool("2"), true);
}

TEST(ParseKernelBool, RejectsGarbage) {
  EXPECT_EQ(parse_kernel_bool(""), std::nullopt);
  EXPECT_EQ(parse_kernel_bool("\n"), std::nullopt);
  EXPECT_EQ(parse_kernel_bool("yes"), std::nullopt);
  EXPECT_EQ(parse_kernel_bool("1 2"), std::nullopt);
  EXPECT_EQ(parse_kernel_bool("-"), std::nullopt);
  EXPECT_EQ(parse_kernel_bool("\xff\xfe"), std::nullopt);
}

TEST(ParseU64, DecimalAndHex) {
  EXPECT_EQ(parse_u64("509\n"), 509u);
  EXPECT_EQ(parse_u64("0x1f"), 31u);
  EXPECT_EQ(parse_u64("0XfF"), 255u);
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_u64("18446744073709551616"), std::nullopt);  // overflow
  EXPECT_EQ(parse_u64("0x"), std::nullopt);
  EXPECT_EQ(parse_u64("12a"), std::nullopt);
  EXPECT_EQ(parse_u64(""), std::nullopt);
}

TEST(FindKeyedCount, ReadsMiscCapacityLines) {
  const char* capacity = "sev 509\nsev_es 10\ntdx 0\n";
  EXPECT_EQ(find_keyed_count(capacity, "sev"), 509u);
  EXPECT_EQ(find_keyed_count(capacity, "sev_es"), 10u);  // not confused with "sev"
  EXPECT_EQ(find_keyed_count(capacity, "tdx"), 0u);
  EXPECT_EQ(find_keyed_count(capacity, "se"), std::nullopt);
  EXPECT_EQ(find_keyed_count("sev many\n", "sev"), std::nullopt);
  EXPECT_EQ(find_keyed_count("", "sev"), std::nullopt);
}

TEST(HasWord, MatchesWholeFlagsOnly) {
  const char* flags = "fpu sme sev sev_es tdx_guest";
  EXPECT_TRUE(has_word(flags, "sev"));
  EXPECT_TRUE(has_word(flags, "sev_es"));
  EXPECT_TRUE(has_word(flags, "fpu"));
  EXPECT_TRUE(has_word(flags, "tdx_guest"));
  EXPECT_FALSE(has_word(flags, "sev_snp"));
  EXPECT_FALSE(has_word(flags, "tdx"));
  EXPECT_FALSE(has_word(flags, "sm"));
  EXPECT_FALSE(has_word(flags, ""));
}

TEST(FindColonField, ReadsCpuinfoStyleFields) {
  const char* cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sev\n\n";
  EXPECT_EQ(find_colon_field(cpuinfo, "vendor_id"), "AuthenticAMD");
  EXPECT_EQ(find_colon_field(cpuinfo, "flags"), "fpu sev");
  EXPECT_EQ(find_colon_field(cpuinfo, "model"), std::nullopt);
  EXPECT_EQ(find_colon_field("CPU implementer\t: 0x41\n", "CPU implementer"), "0x41");
}

}  // namespace
}  // namespace ztp::text

namespace ztp::text {
namespace {

// redteam.md BUG-18: replay lines with escape sequences were echoed raw to the terminal.
TEST(Printable, EscapesEverythingATerminalWouldInterpret) {
  EXPECT_EQ(printable("0x1 0x0: eax=0x1", 80), "0x1 0x0: eax=0x1");
  EXPECT_EQ(printable("a\x1b]0;pwned\x07z", 80), "a\\x1b]0;pwned\\x07z");
  EXPECT_EQ(printable(std::string_view("a\0b", 3), 80), "a\\x00b");
  EXPECT_EQ(printable("\xc3\xa9", 80), "\\xc3\\xa9");
  EXPECT_EQ(printable("back\\slash", 80), "back\\x5cslash");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace ztp::text
