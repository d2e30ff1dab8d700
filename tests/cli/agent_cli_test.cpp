// Agent mode through the same entry point main() uses.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "cli/probe_cli.h"
#include "k8s/fake_apiserver.h"
#include "probe_run.h"
#include "testlib/fixtures.h"
#include "testlib/json_lines.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

using namespace std::chrono_literals;
using ztp::testing::json_lines;
using ztp::testing::log_events;
using ztp::testing::read_file;
using ztp::testing::TempTree;

testing::ProbeRun run(const std::vector<std::string>& args, const AgentRuntime& runtime = {},
                      const Clock* clock = nullptr, const ProbeSpec& spec = cc_probe()) {
  return testing::run_captured(spec, args, {std::nullopt, std::nullopt, "host-a"}, runtime, clock);
}

TEST(AgentCli, OneShotDirPublishWritesExactlyWhatStdoutPrints) {
  TempTree host;
  TempTree out;
  const auto printed = run({"--host-root", host.str(), "--node", "n1"});
  ASSERT_EQ(printed.code, 0);
  const auto r = run({"--host-root", host.str(), "--node", "n1", "--publish", "dir:" + out.str()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(read_file(out.root() / "n1.cc.json"), printed.out);
  for (const auto& line : json_lines(r.err)) {
    EXPECT_TRUE(line.contains("event"));
  }
  // Both targets at once, plus the NFD feature file.
  TempTree nfd;
  const auto both = run({"--host-root", host.str(), "--node", "n1", "--publish", "stdout",
                         "--publish", "dir:" + out.str(), "--nfd-features-dir", nfd.str()});
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_EQ(both.out, printed.out);
  EXPECT_NE(read_file(nfd.root() / "ztp-prem-cc").find("ztp-prem.tlsstress.art/cc.mode="),
            std::string::npos);
}

TEST(AgentCli, BadTargetsAreUsageErrorsWithOneLine) {
  TempTree host;
  const std::vector<std::vector<std::string>> cases = {
      {"--publish", "bogus"},
      {"--publish", "dir:"},
      {"--publish", "dir:" + host.str() + "/absent"},
      {"--nfd-features-dir", host.str() + "/absent"},
      {"--publish", "k8s"},  // no KUBERNETES_SERVICE_HOST in the runtime
      {"--publish", "k8s", "--kubeconfig", host.str() + "/absent"},
      {"--watch", "--format", "text"},
      {"--watch", "--interval", "0"},
      // BUG-15: a health file nobody can write was found out only by the liveness probe.
      {"--watch", "--health-file", host.str() + "/absent/health"},
      {"--watch", "--health-file", host.str() + "/a-file/health"},
  };
  host.write("a-file", "not a directory");
  for (auto args : cases) {
    args.insert(args.begin(), {"--host-root", host.str()});
    const auto r = run(args);
    EXPECT_EQ(r.code, k_exit_usage) << args[2];
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// BUG-11: a name Kubernetes refuses was published as "...cc.json", which the fleet ignored.
// It is refused before any work: nothing is written.
TEST(AgentCli, NodeNameKubernetesRefusesIsRefusedBeforePublishing) {
  TempTree host;
  TempTree out;
  for (const std::string& name :
       std::vector<std::string>{"..", ".a", "-a", "a.", std::string(250, 'a')}) {
    const auto r =
        run({"--host-root", host.str(), "--node", name, "--publish", "dir:" + out.str()});
    EXPECT_EQ(r.code, k_exit_usage) << name;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(out.root()));
}

TEST(AgentCli, OneShotPublishFailureExitsOne) {
  TempTree host;
  TempTree out;
  // A non-empty directory where the file should go: rename(2) fails, even for root.
  out.write("host-a.cc.json/occupied", "x");
  const auto r = run({"--host-root", host.str(), "--publish", "dir:" + out.str()});
  EXPECT_EQ(r.code, k_exit_internal);
  EXPECT_NE(r.err.find("publish.failed"), std::string::npos) << r.err;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out.root()),
                          std::filesystem::directory_iterator()),
            1);  // no temp file left behind
}

TEST(AgentCli, HealthCheck) {
  TempTree t;
  const SystemClock clock;
  EXPECT_EQ(run({"--check-health", t.str() + "/absent"}, {}, &clock).code, 1);
  t.write("health", "ok\n");
  EXPECT_EQ(run({"--check-health", t.str() + "/health"}, {}, &clock).code, 0);
  // The fixed clock stands in 2026-05: the file is months "in the future" relative to
  // nothing; use a max age the real file cannot meet instead.
  std::filesystem::last_write_time(t.root() / "health",
                                   std::filesystem::file_time_type::clock::now() - 1h);
  EXPECT_EQ(run({"--check-health", t.str() + "/health", "--health-max-age", "60"}, {}, &clock).code,
            1);
}

// Runs one agent cycle of `spec` on profile p with a dir: sink and an NFD feature file, and
// expects no planted identifier in the published files, the feature file or the logs.
// Returns the published directory's document for `file` ("" when absent).
std::string expect_agent_outputs_clean(const ztp::testing::HostProfile& p, const ProbeSpec& spec,
                                       const std::string& file) {
  TempTree out;
  TempTree nfd;
  auto args = p.args();
  args.insert(args.end(), {"--node", "n1", "--log-level", "debug", "--publish", "dir:" + out.str(),
                           "--nfd-features-dir", nfd.str()});
  const auto r = run(args, {}, nullptr, spec);
  EXPECT_EQ(r.code, 0) << p.name << ": " << r.err;
  EXPECT_EQ(r.err.find(ztp::testing::k_planted_marker), std::string::npos) << p.name;
  for (const auto* dir : {&out, &nfd}) {
    for (const auto& e : std::filesystem::directory_iterator(dir->root())) {
      EXPECT_EQ(read_file(e.path()).find(ztp::testing::k_planted_marker), std::string::npos)
          << p.name << " leaks into " << e.path().filename();
    }
  }
  return std::filesystem::exists(out.root() / file) ? read_file(out.root() / file) : "";
}

// Privacy: planted identifiers reach neither published files nor logs.
TEST(AgentCli, NoPublishedFileOrLogCarriesPlantedIdentifiers) {
  const auto profiles = ztp::testing::host_profiles("cc-");
  ASSERT_FALSE(profiles.empty());
  for (const auto& p : profiles) {
    EXPECT_NE(expect_agent_outputs_clean(p, cc_probe(), "n1.cc.json"), "") << p.name;
  }
}

// The TPM probe gets the same agent: its files follow the same contract and
// carry no planted identifier (EK certificates, serials) either.
TEST(AgentCli, TpmProbePublishesTheSameWayWithoutPlantedIdentifiers) {
  const auto profiles = ztp::testing::host_profiles("tpm-");
  ASSERT_FALSE(profiles.empty());
  for (const auto& p : profiles) {
    const auto published = expect_agent_outputs_clean(p, tpm_probe(), "n1.tpm.json");
    const auto printed =
        run({"--host-root", p.options().root, "--node", "n1"}, {}, nullptr, tpm_probe());
    EXPECT_EQ(published, printed.out) << p.name;
  }
}

// End to end in-cluster: service-account files, KUBERNETES_SERVICE_HOST/PORT,
// --watch with two targets, SIGTERM-equivalent stop, exit 0.
// BUG-15: a health file that cannot be written was ignored without a word. Its directory
// exists (checked at start) but the name is taken by a non-empty directory, so every
// rename(2) fails: logged once, not every loop, and the agent keeps publishing.
TEST(AgentCli, HealthFileWriteFailureIsLoggedOnce) {
  TempTree host;
  TempTree out;
  TempTree health;
  health.write("health/occupied", "x");
  agent::StopSignal stop;
  AgentRuntime runtime;
  runtime.stop = &stop;
  const SystemClock clock;
  testing::ProbeRun result{};
  std::thread agent([&] {
    result = run({"--host-root", host.str(), "--node", "worker-9", "--watch", "--interval", "1",
                  "--publish", "dir:" + out.str(), "--health-file", health.str() + "/health"},
                 runtime, &clock);
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         !std::filesystem::exists(out.root() / "worker-9.cc.json")) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(2500ms);  // two more loops, two more failed writes
  stop.request_stop();
  agent.join();
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(out.root() / "worker-9.cc.json"));
  const auto failed = log_events(result.err, "health.write_failed");
  ASSERT_EQ(failed.size(), 1u) << result.err;
  EXPECT_EQ(failed[0]["level"], "warn");
  EXPECT_NE(failed[0]["reason"].get<std::string>().find("rename"), std::string::npos);
  EXPECT_TRUE(log_events(result.err, "health.write_resumed").empty());
  EXPECT_EQ(result.err.find("worker-9"), std::string::npos) << "node name in the logs";
}

TEST(AgentCli, WatchPublishesToTheClusterAndADirectoryAndStops) {
  const auto pki = ztp::testing::make_test_pki();
  ztp::testing::FakeApiServer server(pki);
  server.set_tokens({"sa-token"});
  server.start();
  TempTree sa;
  sa.write("token", "sa-token\n");
  sa.write("ca.crt", pki.ca_cert);
  sa.write("namespace", "ztp-prem\n");
  TempTree host;
  TempTree out;
  agent::StopSignal stop;
  AgentRuntime runtime;
  runtime.stop = &stop;
  runtime.service_host = "127.0.0.1";
  runtime.service_port = std::to_string(server.port());
  runtime.service_account_dir = sa.str();
  runtime.seed = 1;
  const SystemClock clock;
  testing::ProbeRun result{};
  std::thread agent([&] {
    result = run({"--host-root", host.str(), "--node", "worker-9", "--watch", "--interval", "1",
                  "--publish", "k8s", "--publish", "dir:" + out.str()},
                 runtime, &clock);
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (!server.configmap("ztp-prem", "ztp-prem-worker-9") ||
          !std::filesystem::exists(out.root() / "worker-9.cc.json"))) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(1500ms);  // at least one more probe cycle
  const auto stop_at = std::chrono::steady_clock::now();
  stop.request_stop();
  agent.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 1s);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto cm = server.configmap("ztp-prem", "ztp-prem-worker-9");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->data.at("cc.json"), read_file(out.root() / "worker-9.cc.json"));
  EXPECT_EQ(cm->labels.at("ztp-prem.tlsstress.art/node"), "worker-9");
  EXPECT_EQ(cm->data_owners.at("cc.json"), std::set<std::string>{"ztp-prem-detect"});
  EXPECT_EQ(server.configmap_requests(), 1u) << "unchanged documents were written again";
  const auto lines = json_lines(result.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front()["event"], "agent.started");
  EXPECT_EQ(lines.back()["event"], "agent.stopping");
  EXPECT_EQ(result.err.find("worker-9"), std::string::npos) << "node name in the logs";
}

}  // namespace
}  // namespace ztp::cli
