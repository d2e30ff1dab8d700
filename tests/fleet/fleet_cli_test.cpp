#include "fleet/fleet_cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;

TEST(FleetCli, ParsesDurations) {
  EXPECT_EQ(parse_duration("30m"), std::chrono::seconds(30min));
  EXPECT_EQ(parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::seconds(90min));
  EXPECT_EQ(parse_duration("720h"), std::chrono::seconds(720h));
  // BUG-14: values that overflow or exceed 30 days are refused, not wrapped.
  for (const char* huge : {"9223372036854775807s", "153722867280912930m", "2562047788015216h",
                           "721h", "720h1s", "43201m"}) {
    EXPECT_FALSE(parse_duration(huge)) << huge;
  }
  for (const char* bad : {"", "30", "m", "0s", "-5m", "5d", "5 m"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(FleetCli, ParsesListenAddresses) {
  const auto v4 = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  const auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"8080", ":8080", "host:", "host:65536", "host:http"}) {
    EXPECT_FALSE(parse_listen(bad)) << bad;
  }
}

int run(std::vector<std::string> args, std::string* err_text = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_fleet(args, "ztp-prem-fleet", out, err);
  if (err_text != nullptr) {
    *err_text = err.str();
  }
  return code;
}

TEST(FleetCli, BadUsageExitsTwoWithOneLine) {
  std::string err;
  EXPECT_EQ(run({}, &err), k_exit_usage);
  EXPECT_NE(err.find("--source is required"), std::string::npos);
  EXPECT_EQ(
      run({"--source", "k8s", "--kubeconfig", "/nonexistent/kubeconfig", "--listen", "127.0.0.1:0"},
          &err),
      k_exit_usage);
  EXPECT_NE(err.find("kubeconfig"), std::string::npos);
  EXPECT_EQ(run({"--source", "dir:/x", "--kubeconfig", "k"}, &err), k_exit_usage);
  EXPECT_NE(err.find("go with --source k8s"), std::string::npos);
  EXPECT_EQ(run({"--source", "dir:/x", "--k8s-page-size", "500"}, &err), k_exit_usage);
  EXPECT_NE(err.find("go with --source k8s"), std::string::npos);
  EXPECT_EQ(run({"--source", "k8s", "--k8s-page-size", "0"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "nfs:/x"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "dir:/x", "--stale-after", "soon"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "dir:/x", "--listen", "nowhere"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "dir:/x", "--tls-cert", "c.pem"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "dir:/x", "--token-file", "/nonexistent"}, &err), k_exit_usage);
  EXPECT_EQ(run({"--source", "dir:/nonexistent/ztp", "--listen", "127.0.0.1:0"}, &err),
            k_exit_usage);
  EXPECT_NE(err.find("cannot open source directory"), std::string::npos);
  EXPECT_EQ(run({"--bogus"}, &err), k_exit_usage);
  EXPECT_EQ(run({"simulate", "--out", "/tmp/x"}, &err), k_exit_usage);  // --nodes missing
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
  EXPECT_EQ(run({"--help"}), k_exit_ok);
}

TEST(FleetCli, SimulateWritesDocuments) {
  testing::TempTree dir;
  EXPECT_EQ(run({"simulate", "--nodes", "20", "--out", dir.str(), "--seed", "9"}), k_exit_ok);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.root())) {
    ++files;
  }
  EXPECT_GE(files, 35U);
}

}  // namespace
}  // namespace ztp::fleet
