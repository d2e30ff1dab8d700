// ztp-prem-tpm through the shared CLI plumbing: exit codes, formats, privacy.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "cli/probe_cli.h"
#include "probe_run.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

testing::ProbeRun run(const std::vector<std::string>& args,
                      const Environment& env = {std::nullopt, std::nullopt, "host-a"}) {
  return testing::run_captured(tpm_probe(), args, env);
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

// redteam.md BUG-7: a host with 1,000 virtual chips beside its hardware one gave a 66.5 KB
// document the fleet refuses (64 KiB cap). Evidence is bounded; the verdict stays honest.
TEST(TpmProbeCli, ThousandChipsStillFitTheFleetCap) {
  ztp::testing::TempTree tree;
  const std::string hw = "sys/devices/platform/MSFT0101:00";
  tree.write(hw + "/tpm/tpm0/tpm_version_major", "2\n");
  tree.symlink("../../../MSFT0101:00", hw + "/tpm/tpm0/device");
  tree.write(hw + "/uevent", "DRIVER=tpm_crb\n");
  tree.symlink("../../devices/platform/MSFT0101:00/tpm/tpm0", "sys/class/tpm/tpm0");
  tree.write("dev/tpm0", "");
  for (int i = 1; i <= 1000; ++i) {
    const std::string name = "tpm" + std::to_string(i);
    tree.write("sys/devices/virtual/tpm/" + name + "/tpm_version_major", "2\n");
    tree.symlink("../../devices/virtual/tpm/" + name, "sys/class/tpm/" + name);
  }
  const auto r = run({"--host-root", tree.str(), "--node", "many-chips"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  EXPECT_LT(r.out.size(), 64u * 1024u);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["family"], "tpm2-raw");
  EXPECT_LE(j["evidence"].size(), k_max_evidence_lines);
  const std::string evidence = j["evidence"].dump();
  EXPECT_NE(evidence.find("tpm1: virtual chip ignored"), std::string::npos);
  EXPECT_NE(evidence.find("and 996 more chips ignored for the family"), std::string::npos);
  EXPECT_EQ(evidence.find("tpm999"), std::string::npos);
}

// redteam.md A15b: with every version file unreadable each chip added an unreadable-path
// line too, and the document grew to 143 KB. Still one document under the fleet's cap.
TEST(TpmProbeCli, ThousandChipsWithUnreadableVersionFilesStillFitTheFleetCap) {
  ztp::testing::TempTree tree;
  const std::string hw = "sys/devices/platform/MSFT0101:00";
  tree.mkdir(hw + "/tpm/tpm0/tpm_version_major");  // a directory: unreadable as a file
  tree.symlink("../../../MSFT0101:00", hw + "/tpm/tpm0/device");
  tree.write(hw + "/uevent", "DRIVER=tpm_crb\n");
  tree.symlink("../../devices/platform/MSFT0101:00/tpm/tpm0", "sys/class/tpm/tpm0");
  for (int i = 1; i <= 1000; ++i) {
    const std::string name = "tpm" + std::to_string(i);
    tree.mkdir("sys/devices/virtual/tpm/" + name + "/tpm_version_major");
    tree.symlink("../../devices/virtual/tpm/" + name, "sys/class/tpm/" + name);
  }
  const auto r = run({"--host-root", tree.str(), "--node", "many-chips"});
  ASSERT_EQ(r.code, k_exit_ok) << r.err;
  EXPECT_LT(r.out.size(), 64u * 1024u);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_LE(j["evidence"].size(), k_max_evidence_lines);
  EXPECT_NE(j["evidence"].dump().find("unreadable"), std::string::npos) << j["evidence"].dump();
}

// BUG-11: names the API server refuses, and a valid 253-character name whose ConfigMap name
// "ztp-prem-<node>" would be too long, are refused before any work.
TEST(TpmProbeCli, NodeNamesKubernetesRefusesExitTwo) {
  ztp::testing::TempTree tree;
  for (const std::string& name :
       {std::string(".a"), std::string(".."), std::string("-a"), std::string("a."),
        std::string("a..b"), std::string("a\x1b[2J"), std::string(250, 'a')}) {
    const auto r = run({"--host-root", tree.str(), "--node", name});
    EXPECT_EQ(r.code, k_exit_usage) << name;
    EXPECT_TRUE(r.out.empty()) << name;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "raw escape byte echoed";
  }
  EXPECT_EQ(run({"--host-root", tree.str(), "--node", std::string(244, 'a')}).code, k_exit_ok);
}

// No output format carries a planted PCR value, EK, event log byte, table byte or id.
TEST(TpmProbeCli, NoOutputCarriesPlantedValues) {
  ASSERT_GE(ztp::testing::host_profiles("tpm-").size(), 12U);
  EXPECT_GE(testing::expect_no_planted_output(tpm_probe(), "tpm-"), 10);
}

// The real binary, end to end: exit code, stderr empty, no planted value.
TEST(TpmProbeBinary, RunsOnEveryProfile) {
  for (const auto& p : ztp::testing::host_profiles("tpm-")) {
    const auto r = ztp::testing::run_command({(ztp::testing::bin_dir() / "ztp-prem-tpm").string(),
                                              "--host-root", p.options().root, "--node", "n1"});
    EXPECT_EQ(r.exit_code, 0) << p.name;
    EXPECT_EQ(r.output.find(ztp::testing::k_planted_marker), std::string::npos) << p.name;
    EXPECT_EQ(nlohmann::json::parse(r.output)["kind"], "TPMStatus") << p.name;
  }
}

}  // namespace
}  // namespace ztp::cli
