#include "cli/probe_cli.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <utility>

#include "probe_run.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

testing::ProbeRun run(const std::vector<std::string>& args,
                      const Environment& env = {std::nullopt, std::nullopt, "host-a"}) {
  return testing::run_captured(cc_probe(), args, env);
}

TEST(ProbeCli, PrintsOneJsonDocumentAndExitsZero) {
  ztp::testing::TempTree tree;
  tree.write("cpuid.txt", "");
  const auto r = run({"--host-root", tree.str(), "--cpuid-file", tree.str() + "/cpuid.txt",
                      "--node", "worker-7", "--wave", "2026-w20"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["node"], "worker-7");
  EXPECT_EQ(j["wave"], "2026-w20");
  EXPECT_EQ(j["generatedAt"], "2026-05-12T10:00:00Z");
  EXPECT_EQ(j["mode"], "unknown");  // empty root, no CPUID
  EXPECT_TRUE(r.err.empty());
}

TEST(ProbeCli, NodeAndWaveDefaults) {
  ztp::testing::TempTree tree;
  auto j = nlohmann::json::parse(run({"--host-root", tree.str()}).out);
  EXPECT_EQ(j["node"], "host-a");
  EXPECT_EQ(j["wave"], ZTP_VERSION);
  j = nlohmann::json::parse(run({"--host-root", tree.str()}, {"node-b", "w7", "host-a"}).out);
  EXPECT_EQ(j["node"], "node-b");
  EXPECT_EQ(j["wave"], "w7");
}

TEST(ProbeCli, TextFormat) {
  ztp::testing::TempTree tree;
  const auto r = run({"--host-root", tree.str(), "--format", "text"});
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("kind                       CCStatus\n", 0), 0u) << r.out;
}

TEST(ProbeCli, BadUsageExitsTwoWithOneLine) {
  ztp::testing::TempTree tree;
  tree.write("bad-cpuid.txt", "CPU:\n0x0 0x0: eax=0x1\n");
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--format", "yaml"},
      {"--host-root", tree.str() + "/absent"},
      {"--host-root", tree.str(), "--cpuid-file", tree.str() + "/bad-cpuid.txt"},
      {"--host-root", tree.str(), "--msr-file", tree.str() + "/absent"},
      {"--host-root", tree.str(), "--node", "Not_A_Node"},
      {"--host-root", tree.str(), "--wave", "has space"},
      // redteam.md BUG-8: a directory was an empty replay ("no CPUID"), exit 0.
      {"--host-root", tree.str(), "--cpuid-file", tree.str()},
      {"--host-root", tree.str(), "--msr-file", tree.str()},
      {"--host-root", tree.str(), "--cpuid-file", "/proc/self/mem"},
      // BUG-11: names the API server refuses.
      {"--host-root", tree.str(), "--node", ".a"},
      {"--host-root", tree.str(), "--node", "a."},
      {"--host-root", tree.str(), "--node", "-a"},
      {"--host-root", tree.str(), "--node", "a", "--node", "b"},  // BUG-20: was exit 1
      // BUG-19: a FIFO as a replay file blocked in open(2) forever.
      {"--host-root", tree.str(), "--cpuid-file", tree.str() + "/fifo"},
      {"--host-root", tree.str(), "--msr-file", tree.str() + "/fifo"},
  };
  ASSERT_EQ(::mkfifo((tree.root() / "fifo").c_str(), 0600), 0);
  for (const auto& args : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.code, k_exit_usage) << args[0];
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const auto r = run({"--host-root", tree.str(), "--cpuid-file", tree.str() + "/bad-cpuid.txt"});
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
}

// redteam.md BUG-6: a FIFO at <root>/dev/cpu/0/msr hung the probe forever on an AMD guest
// (and the agent never published). Now the register is unreadable, with the reason, at once.
TEST(ProbeCli, FifoAtTheMsrDeviceIsUnreadableNotAHang) {
  const auto profiles = ztp::testing::host_profiles("cc-gcp-n2d-sev");
  const auto sev_it = std::find_if(profiles.begin(), profiles.end(),
                                   [](const auto& p) { return p.name == "cc-gcp-n2d-sev"; });
  ASSERT_NE(sev_it, profiles.end());
  const auto& sev = *sev_it;
  ztp::testing::TempTree tree;
  tree.mkdir("dev/cpu/0");
  const auto msr = tree.root() / "dev/cpu/0/msr";
  ASSERT_EQ(::mkfifo(msr.c_str(), 0600), 0);
  const auto cpuid = sev.options().cpuid_file;
  ASSERT_TRUE(cpuid);
  const auto r = run({"--host-root", tree.str(), "--cpuid-file", *cpuid, "--node", "a"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "unknown");
  EXPECT_FALSE(j["signals"]["msrSevStatusReadable"].get<bool>());
  EXPECT_NE(j["evidence"].dump().find("is a FIFO"), std::string::npos) << r.out;
}

ztp::testing::HostProfile profile(const std::string& name) {
  for (auto& p : ztp::testing::host_profiles(name)) {
    if (p.name == name) {
      return p;
    }
  }
  ADD_FAILURE() << "no host profile " << name;
  return {};
}

// code-review.md §2 #3: a guest on a CPU vendor the rules do not model (a Hygon CSV guest:
// CPUID vendor "HygonGenuine" with the SEV bits of 0x8000001F) was a confident "none".
// The AMD SEV guest's replay with Hygon's vendor string is unknown, and says why.
TEST(ProbeCli, UnmodelledCpuVendorWithSevBitsIsUnknownNotNone) {
  const auto amd = profile("cc-gcp-n2d-sev-pod");
  std::string cpuid = ztp::testing::read_file(amd.dir / "cpuid.txt");
  // "AuthenticAMD" -> "HygonGenuine", in leaf 0 and 0x80000000 (ebx, edx, ecx order).
  for (const auto& [from, to] : {std::pair{"ebx=0x68747541", "ebx=0x6f677948"},
                                 std::pair{"edx=0x69746e65", "edx=0x6e65476e"},
                                 std::pair{"ecx=0x444d4163", "ecx=0x656e6975"}}) {
    for (auto at = cpuid.find(from); at != std::string::npos; at = cpuid.find(from, at)) {
      cpuid.replace(at, std::string_view(from).size(), to);
    }
  }
  ztp::testing::TempTree tree;
  tree.write("hygon-cpuid.txt", cpuid);
  const auto r = run({"--host-root", (amd.dir / "root").string(), "--cpuid-file",
                      tree.str() + "/hygon-cpuid.txt", "--node", "a"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "unknown");
  EXPECT_TRUE(j["signals"]["cpuAmdSev"].get<bool>());
  const std::string evidence = j["evidence"].dump();
  EXPECT_NE(evidence.find("CPU vendor the rules do not model"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("SEV-like"), std::string::npos) << evidence;
}

// redteam.md BUG-12 (A12): kvm_amd's SEV parameters made unreadable (directories planted in
// their place, misc.capacity gone) read as "kvm_amd has it disabled". Now the host is not
// called capable, and the evidence says the parameters cannot be read, never "disabled".
TEST(ProbeCli, UnreadableKvmAmdParametersAreReportedUnreadableNotDisabled) {
  const auto host = profile("cc-amd-epyc-snp-host-6.11");
  ztp::testing::TempTree tree;
  std::filesystem::copy(
      host.dir / "root", tree.root() / "root",
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  const auto params = tree.root() / "root/sys/module/kvm_amd/parameters";
  for (const char* p : {"sev", "sev_es", "sev_snp"}) {
    std::filesystem::remove(params / p);
    std::filesystem::create_directory(params / p);
  }
  std::filesystem::remove(tree.root() / "root/sys/fs/cgroup/misc.capacity");
  const auto before = run(host.args());
  ASSERT_EQ(before.code, k_exit_ok) << before.err;
  ASSERT_FALSE(nlohmann::json::parse(before.out)["hostCapabilities"].empty());

  const auto r = run({"--host-root", (tree.root() / "root").string(), "--cpuid-file",
                      (host.dir / "cpuid.txt").string(), "--msr-file",
                      (host.dir / "msr.txt").string(), "--node", "a"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["hostCapabilities"].empty()) << r.out;
  const std::string evidence = j["evidence"].dump();
  EXPECT_NE(evidence.find("parameters cannot be read"), std::string::npos) << evidence;
  EXPECT_EQ(evidence.find("has it disabled"), std::string::npos) << evidence;
}

TEST(ProbeCli, HelpAndVersionExitZero) {
  EXPECT_EQ(run({"--help"}).code, 0);
  const auto v = run({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find(ZTP_VERSION), std::string::npos);
}

// Privacy: fixtures plant serials, UUIDs, boot ids, MACs and machine ids marked
// "PLANTED"; no output format may carry any of them, nor a raw MSR value.
TEST(ProbeCli, NoOutputCarriesPlantedIdentifiers) {
  const auto profiles = ztp::testing::host_profiles("cc-");
  ASSERT_FALSE(profiles.empty());
  const int planted_profiles = testing::expect_no_planted_output(cc_probe(), "cc-");
  // The proof only means something if the fixtures actually plant identifiers.
  EXPECT_GE(planted_profiles, static_cast<int>(profiles.size()) - 1);
}

// The real binary, end to end, on one profile: exit code and a parseable document.
TEST(ProbeBinary, RunsOnAFixture) {
  const auto profiles = ztp::testing::host_profiles("cc-");
  ASSERT_FALSE(profiles.empty());
  auto argv = profiles.front().args();
  argv.insert(argv.begin(), (ztp::testing::bin_dir() / "ztp-prem-detect").string());
  argv.insert(argv.end(), {"--node", "n1"});
  const auto r = ztp::testing::run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["kind"], "CCStatus");
}

}  // namespace
}  // namespace ztp::cli
