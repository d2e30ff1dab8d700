// ztp-prem-tpm through the shared CLI plumbing: exit codes, formats, privacy.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "cli/probe_cli.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args, Environment env = {std::nullopt, std::nullopt, "host-a"}) {
  std::ostringstream out;
  std::ostringstream err;
  const ztp::testing::FixedClock clock;
  const int code = run_probe(args, tpm_probe(), env, clock, out, err);
  return {code, out.str(), err.str()};
}

TEST(TpmProbeCli, PrintsOneTpmStatusDocument) {
  ztp::testing::TempTree tree;
  const auto r = run({"--host-root", tree.str(), "--node", "worker-7", "--wave", "w1"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "TPMStatus");
  EXPECT_EQ(j["probe"]["name"], "ztp-prem-tpm");
  EXPECT_EQ(j["node"], "worker-7");
  EXPECT_EQ(j["wave"], "w1");
  EXPECT_EQ(j["family"], "unknown");  // empty root: nothing visible, never "absent"
  EXPECT_EQ(j["readiness"]["verdict"], "none");
  EXPECT_EQ(j["enforcement"], "advisory");
  EXPECT_TRUE(r.err.empty());
  // Document order: envelope, then family, measuredBoot, readiness, then findings.
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(r.out);
  for (const auto& [k, v] : ordered.items()) {
    keys.push_back(k);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"apiVersion", "kind", "node", "generatedAt", "wave",
                                            "probe", "family", "measuredBoot", "readiness",
                                            "signals", "evidence", "enforcement"}));
}

TEST(TpmProbeCli, TextFormat) {
  const auto profiles = ztp::testing::host_profiles("tpm-");
  ASSERT_FALSE(profiles.empty());
  const auto r = run({"--host-root", profiles.front().options().root, "--format", "text"});
  ASSERT_EQ(r.code, k_exit_ok);
  EXPECT_EQ(r.out.rfind("kind                       TPMStatus\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nfamily "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nreadiness.verdict "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nmeasuredBoot.pcrBanks "), std::string::npos) << r.out;
}

TEST(TpmProbeCli, BadUsageExitsTwo) {
  ztp::testing::TempTree tree;
  tree.write("cpuid.txt", "");
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--format", "yaml"},
      {"--host-root", tree.str() + "/absent"},
      // ztp-prem-tpm reads no CPU state: the CPU replay flags do not exist here.
      {"--host-root", tree.str(), "--cpuid-file", tree.str() + "/cpuid.txt"},
      {"--host-root", tree.str(), "--msr-file", tree.str() + "/cpuid.txt"},
      {"--host-root", tree.str(), "--node", "Not_A_Node"},
  };
  for (const auto& args : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.code, k_exit_usage) << args[0] << " " << (args.size() > 2 ? args[2] : "");
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(run({"--help"}).code, k_exit_ok);
  EXPECT_EQ(run({"--version"}).code, k_exit_ok);
}

// No output format carries a planted PCR value, EK, event log byte, table byte or id.
TEST(TpmProbeCli, NoOutputCarriesPlantedValues) {
  const auto profiles = ztp::testing::host_profiles("tpm-");
  ASSERT_GE(profiles.size(), 12u);
  for (const auto& p : profiles) {
    for (const char* format : {"json", "text"}) {
      const auto r = run({"--host-root", p.options().root, "--format", format, "--node", "n1"});
      ASSERT_EQ(r.code, k_exit_ok) << p.name << ": " << r.err;
      EXPECT_EQ(r.out.find(ztp::testing::k_planted_marker), std::string::npos)
          << p.name << " leaks a planted value in " << format;
      EXPECT_EQ(r.err.find(ztp::testing::k_planted_marker), std::string::npos) << p.name;
    }
  }
}

// The real binary, end to end: exit code, stderr empty, no planted value.
TEST(TpmProbeBinary, RunsOnEveryProfile) {
  for (const auto& p : ztp::testing::host_profiles("tpm-")) {
    const std::string cmd = (ztp::testing::bin_dir() / "ztp-prem-tpm").string() + " --host-root '" +
                            p.options().root + "' --node n1 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
      out.append(buf, n);
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(WEXITSTATUS(status), 0) << p.name;
    EXPECT_EQ(out.find(ztp::testing::k_planted_marker), std::string::npos) << p.name;
    EXPECT_EQ(nlohmann::json::parse(out)["kind"], "TPMStatus") << p.name;
  }
}

}  // namespace
}  // namespace ztp::cli
