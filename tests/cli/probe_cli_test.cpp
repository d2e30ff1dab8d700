#include "cli/probe_cli.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

using ztp::testing::HostProfile;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args, Environment env = {std::nullopt, std::nullopt, "host-a"}) {
  std::ostringstream out;
  std::ostringstream err;
  const ztp::testing::FixedClock clock;
  const int code = run_probe(args, cc_probe(), env, clock, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> profile_args(const HostProfile& p) {
  const auto o = p.options();
  std::vector<std::string> args{"--host-root", o.root};
  if (o.cpuid_file) {
    args.insert(args.end(), {"--cpuid-file", *o.cpuid_file});
  }
  if (o.msr_file) {
    args.insert(args.end(), {"--msr-file", *o.msr_file});
  }
  return args;
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
  };
  for (const auto& args : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.code, k_exit_usage) << args[0];
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const auto r = run({"--host-root", tree.str(), "--cpuid-file", tree.str() + "/bad-cpuid.txt"});
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
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
  int planted_profiles = 0;
  for (const auto& p : profiles) {
    const std::string tree_dump = p.dir.string();
    bool has_planted = false;
    for (const auto& e : std::filesystem::recursive_directory_iterator(p.dir / "root")) {
      if (e.is_regular_file() && !e.is_symlink() &&
          ztp::testing::read_file(e.path()).find(ztp::testing::k_planted_marker) !=
              std::string::npos) {
        has_planted = true;
        break;
      }
    }
    planted_profiles += has_planted ? 1 : 0;
    for (const char* format : {"json", "text"}) {
      auto args = profile_args(p);
      args.insert(args.end(), {"--format", format, "--node", "n1"});
      const auto r = run(args);
      ASSERT_EQ(r.code, 0) << p.name << ": " << r.err;
      EXPECT_EQ(r.out.find(ztp::testing::k_planted_marker), std::string::npos)
          << p.name << " leaks a planted identifier in " << format;
      EXPECT_EQ(r.err.find(ztp::testing::k_planted_marker), std::string::npos);
      if (std::filesystem::exists(p.dir / "msr.txt")) {
        const auto msr = ztp::testing::read_file(p.dir / "msr.txt");
        const auto value = msr.substr(msr.find(' ') + 1, 18);  // "0x000000000000000N"
        EXPECT_EQ(r.out.find(value), std::string::npos) << p.name << " leaks a raw MSR value";
      }
    }
  }
  // The proof only means something if the fixtures actually plant identifiers.
  EXPECT_GE(planted_profiles, static_cast<int>(profiles.size()) - 1);
}

// The real binary, end to end, on one profile: exit code and a parseable document.
TEST(ProbeBinary, RunsOnAFixture) {
  const auto profiles = ztp::testing::host_profiles("cc-");
  ASSERT_FALSE(profiles.empty());
  std::string cmd = (ztp::testing::bin_dir() / "ztp-prem-detect").string();
  for (const auto& a : profile_args(profiles.front())) {
    cmd += " '" + a + "'";
  }
  cmd += " --node n1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
    out.append(buf, n);
  }
  const int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["kind"], "CCStatus");
}

}  // namespace
}  // namespace ztp::cli
