#include "cli/audit_cli.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <sstream>

#include "audit_fixture.h"
#include "cli/probe_cli.h"
#include "testlib/fixtures.h"

namespace ztp::cli {
namespace {

using std::chrono::seconds;

struct Outcome {
  int code = 0;
  std::string out;
  std::string err;
};

Outcome run(const std::vector<std::string>& args, const Clock& clock,
            const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  Outcome r;
  r.code = run_audit(args, clock, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(AuditCli, SetupVerifyShowRoundTrip) {
  ztp::testing::TempTree tree;
  ztp::testing::FixedClock clock;
  const std::string dir = (tree.root() / "log").string();
  const Outcome setup = run({"setup", "--dir", dir, "--epoch", "5m"}, clock);
  ASSERT_EQ(setup.code, 0) << setup.err;
  const std::string key = setup.out.substr(0, setup.out.find('\n'));
  EXPECT_EQ(key.rfind("ztp-audit-v1:", 0), 0u) << key;
  EXPECT_NE(setup.err.find("shown once"), std::string::npos);
  {
    auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock);
    ASSERT_TRUE(log);
    for (int i = 0; i < 4; ++i) {
      clock.advance(seconds(200));
      ASSERT_TRUE(log->append(audit::testing::sample_entry(i)));
    }
  }
  const Outcome clean = run({"verify", dir, "--key", key}, clock);
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("clean: "), std::string::npos) << clean.out;
  const auto at = clean.out.find("head ") + 5;
  const std::string head = clean.out.substr(at, clean.out.find(' ', at) - at);
  EXPECT_EQ(run({"verify", dir, "--key", key, "--head", head}, clock).code, 0);
  EXPECT_EQ(run({"verify", dir, "--key", "-"}, clock, key + "\n").code, 0);
  tree.write("key.txt", key + "\n");
  EXPECT_EQ(run({"verify", dir, "--key-file", (tree.root() / "key.txt").string()}, clock).code, 0);

  const Outcome text = run({"show", dir}, clock);
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("open  log "), std::string::npos) << text.out;
  const Outcome jsonl = run({"show", dir, "--format", "jsonl"}, clock);
  EXPECT_EQ(jsonl.code, 0);
  EXPECT_EQ(jsonl.out.front(), '{');

  // Tampering: exit 3 and the first bad record named.
  const auto segment = tree.root() / "log" / "audit-00000001.jsonl";
  std::string content = audit::testing::read_text(segment);
  const auto pos = content.find("\"classification\":\"none\"");
  ASSERT_NE(pos, std::string::npos);
  content.replace(pos + 18, 4, "tdx0");
  audit::testing::write_text(segment, content);
  const Outcome tampered = run({"verify", dir, "--key", key}, clock);
  EXPECT_EQ(tampered.code, k_exit_tampered);
  EXPECT_NE(tampered.out.find("TAMPERED: modified at audit-00000001.jsonl:"), std::string::npos)
      << tampered.out;
}

TEST(AuditCli, KeygenPrintsAFreshKeyASeedFileAccepts) {
  ztp::testing::FixedClock clock;
  const Outcome a = run({"keygen"}, clock);
  const Outcome b = run({"keygen"}, clock);
  ASSERT_EQ(a.code, 0);
  EXPECT_TRUE(audit::parse_verification_key(a.out));
  EXPECT_NE(a.out, b.out);
}

TEST(AuditCli, BadUsageIsExitTwoWithOneLine) {
  ztp::testing::TempTree tree;
  ztp::testing::FixedClock clock;
  EXPECT_EQ(run({}, clock).code, k_exit_usage);
  EXPECT_EQ(run({"frobnicate"}, clock).code, k_exit_usage);
  EXPECT_EQ(run({"setup", "--dir", tree.str() + "/x", "--epoch", "soon"}, clock).code,
            k_exit_usage);
  EXPECT_EQ(run({"verify", tree.str()}, clock).code, k_exit_usage);  // no key
  const Outcome bad_key = run({"verify", tree.str(), "--key", "hunter2"}, clock);
  EXPECT_EQ(bad_key.code, k_exit_usage);
  EXPECT_NE(bad_key.err.find("ztp-audit-v1:"), std::string::npos);
  const std::string key = "ztp-audit-v1:" + std::string(64, 'a');
  const Outcome no_log = run({"verify", tree.str(), "--key", key}, clock);
  EXPECT_EQ(no_log.code, k_exit_usage);
  EXPECT_NE(no_log.err.find("no audit log segments"), std::string::npos) << no_log.err;
  EXPECT_EQ(run({"verify", tree.str(), "--key", key, "--head", "7"}, clock).code, k_exit_usage);
  EXPECT_EQ(run({"show", tree.str(), "--format", "xml"}, clock).code, k_exit_usage);
  const Outcome help = run({"--help"}, clock);
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("verify"), std::string::npos);
}

TEST(AuditCli, BinaryRuns) {
  ztp::testing::TempTree tree;
  const std::string bin = (ztp::testing::bin_dir() / "ztp-prem-audit").string();
  const std::string cmd = bin + " setup --dir " + tree.str() + "/log > " + tree.str() + "/key";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string key = audit::testing::read_text(tree.root() / "key");
  const std::string verify =
      bin + " verify " + tree.str() + "/log --key " + key.substr(0, 77) + " > /dev/null";
  EXPECT_EQ(std::system(verify.c_str()), 0);
  const std::string wrong = bin + " verify " + tree.str() +
                            "/log --key ztp-audit-v1:" + std::string(64, '0') + " > /dev/null";
  const int status = std::system(wrong.c_str());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), k_exit_tampered);
}

}  // namespace
}  // namespace ztp::cli
