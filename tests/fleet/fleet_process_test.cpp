// The ztp-prem-fleet binary itself with --source k8s (kubeconfig, CA file, token file) against
// the TLS fake API server: it lists, becomes ready, follows a watch event into the API, and
// ends with exit 0 soon after SIGTERM, with a watch open or while a refused token backs off.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "fleet/k8s_source.h"
#include "fleet_docs.h"
#include "k8s/fake_apiserver.h"
#include "testlib/fixtures.h"
#include "testlib/http_client.h"
#include "testlib/json_lines.h"
#include "testlib/temp_tree.h"

extern char** environ;

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ztp::testing::FakeApiServer;

const ztp::testing::TestPki& pki() { return ztp::testing::shared_test_pki(); }

constexpr const char* k_ns = "ztp-prem";
constexpr const char* k_token = "fleet-process-token";

// One ztp-prem-fleet process; killed (SIGKILL) by the destructor if a test left it running.
class FleetProcess {
 public:
  FleetProcess(const std::vector<std::string>& args, const std::filesystem::path& stderr_file) {
    int out[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) {
      return;
    }
    const std::string binary = (ztp::testing::bin_dir() / "ztp-prem-fleet").string();
    std::vector<std::string> argv_text{binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&m_pid, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      m_pid = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    m_stdout = out[0];
  }
  ~FleetProcess() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    if (m_stdout >= 0) {
      ::close(m_stdout);
    }
  }
  FleetProcess(const FleetProcess&) = delete;
  FleetProcess& operator=(const FleetProcess&) = delete;

  bool running() const { return m_pid > 0; }

  // The port from the first stdout line ("... serving k8s on http://127.0.0.1:PORT/admin/...").
  int port(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = Clock::now() + timeout;
    while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
      pollfd fd{m_stdout, POLLIN, 0};
      if (::poll(&fd, 1, 100) <= 0) {
        continue;
      }
      char buffer[256];
      const ssize_t n = ::read(m_stdout, buffer, sizeof buffer);
      if (n <= 0) {
        break;
      }
      line.append(buffer, static_cast<std::size_t>(n));
    }
    const auto at = line.find("127.0.0.1:");
    return at == std::string::npos ? -1 : std::atoi(line.c_str() + at + 10);
  }

  // SIGTERM, then waits up to `limit`; returns the exit status (-1: still running or killed).
  int terminate(std::chrono::milliseconds limit, std::chrono::milliseconds* took) {
    const auto start = Clock::now();
    ::kill(m_pid, SIGTERM);
    int status = 0;
    while (Clock::now() - start < limit) {
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        *took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(2ms);
    }
    return -1;
  }

 private:
  pid_t m_pid = -1;
  int m_stdout = -1;
};

class FleetProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_server.set_tokens({k_token});
    m_server.start();
    m_dir.write("ca.pem", pki().ca_cert);
    m_dir.write("token", std::string(k_token) + "\n");
    m_dir.write("kubeconfig", testing::kubeconfig_for(m_server, k_ns, "fleet"));
  }

  void publish(const std::string& node, const std::string& mode) {
    const std::string now = format_rfc3339(std::chrono::system_clock::now());
    m_server.put_configmap(k_ns, "ztp-prem-" + node,
                           {{"app.kubernetes.io/part-of", "ztp-prem"}, {k_node_label, node}},
                           {{k_cc_key, testing::cc_doc(node, now, mode).dump()},
                            {k_tpm_key, testing::tpm_doc(node, now).dump()}});
  }

  std::vector<std::string> args() const {
    return {"--source", "k8s",         "--kubeconfig",    (m_dir.root() / "kubeconfig").string(),
            "--listen", "127.0.0.1:0", "--dashboard-dir", (m_dir.root() / "no-dashboard").string()};
  }

  // Polls GET path until `accept` says yes or 10 s pass; returns the last status.
  template <class Accept>
  int poll_get(int port, const std::string& path, Accept accept, std::string* body = nullptr) {
    testing::HttpClient client(port);
    client.set_timeout(2s);
    int status = 0;
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (const auto res = client.get(path); res.status != 0) {
        status = res.status;
        if (body != nullptr) {
          *body = res.body;
        }
        if (accept(res)) {
          break;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    return status;
  }

  std::string stderr_text() const { return ztp::testing::read_file(m_dir.root() / "stderr"); }

  FakeApiServer m_server{pki()};
  testing::TempTree m_dir;
};

TEST_F(FleetProcessTest, ListsWatchesAndEndsCleanlyOnSigterm) {
  publish("node-a", "sev-snp");
  publish("node-b", "tdx");
  publish("node-c", "none");
  FleetProcess fleet(args(), m_dir.root() / "stderr");
  ASSERT_TRUE(fleet.running());
  const int port = fleet.port(10s);
  ASSERT_GT(port, 0) << stderr_text();

  EXPECT_EQ(poll_get(port, "/readyz", [](const auto& r) { return r.status == 200; }), 200)
      << stderr_text();
  std::string body;
  poll_get(
      port, "/api/v1/fleet", [](const auto& r) { return r.status == 200; }, &body);
  const auto fleet_json = nlohmann::json::parse(body);
  EXPECT_EQ(fleet_json.at("nodes"), 3);
  EXPECT_EQ(fleet_json.at("cc").at("modes").at("tdx"), 1);

  // A ConfigMap written after the list reaches the API through the watch.
  const auto watch_deadline = Clock::now() + 10s;
  while (m_server.open_watches() == 0 && Clock::now() < watch_deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_GT(m_server.open_watches(), 0U);
  publish("node-d", "sev");
  EXPECT_EQ(poll_get(
                port, "/api/v1/nodes/node-d", [](const auto& r) { return r.status == 200; }, &body),
            200);
  EXPECT_NE(body.find("\"sev\""), std::string::npos);

  // SIGTERM with the watch open: exit 0, well inside a pod's 30 s grace period.
  std::chrono::milliseconds took{0};
  EXPECT_EQ(fleet.terminate(5s, &took), 0) << stderr_text();
  EXPECT_LT(took, 5s);
  std::cout << "SIGTERM to exit with a watch open: " << took.count() << " ms\n";
  EXPECT_EQ(stderr_text().find(k_token), std::string::npos) << "token in the service's log";
  testing::json_lines(stderr_text());  // nothing but JSON lines on stderr
}

TEST_F(FleetProcessTest, RefusedTokenStaysUnreadyThenSigtermEndsTheBackoff) {
  publish("node-a", "sev-snp");
  m_server.set_tokens({"some-other-token"});  // our token is refused: 401 on every request
  FleetProcess fleet(args(), m_dir.root() / "stderr");
  ASSERT_TRUE(fleet.running());
  const int port = fleet.port(10s);
  ASSERT_GT(port, 0) << stderr_text();
  // Serving, but not ready: there is no fleet data to answer with.
  EXPECT_EQ(poll_get(port, "/healthz", [](const auto& r) { return r.status == 200; }), 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(poll_get(port, "/readyz", [](const auto&) { return true; }), 503);

  std::chrono::milliseconds took{0};
  EXPECT_EQ(fleet.terminate(5s, &took), 0) << stderr_text();
  EXPECT_LT(took, 5s);
  // The refusals are in the service's JSON-lines log (every stderr line is one object).
  const auto failed = testing::log_events(stderr_text(), "fleet.k8s.list_failed");
  ASSERT_FALSE(failed.empty()) << stderr_text();
  EXPECT_EQ(failed.front()["status"], 401);
  EXPECT_EQ(failed.front()["level"], "warn");
  EXPECT_EQ(stderr_text().find("some-other-token"), std::string::npos);
}

}  // namespace
}  // namespace ztp::fleet
