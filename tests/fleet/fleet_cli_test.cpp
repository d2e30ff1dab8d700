#include "fleet/fleet_cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;

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
