// Red-team regressions on the audit log (redteam.md BUG-9, BUG-10, BUG-13, T17, T25, T26):
// what an attacker (or a full disk) can put in the log directory is refused or reported as
// damage, never called clean, never hangs, never read whole into memory.

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "audit_fixture.h"
#include "cli/audit_cli.h"
#include "cli/probe_cli.h"

namespace ztp::audit::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Cli {
  int code = 0;
  std::string out;
  std::string err;
};

Cli verify_cli(LogFixture& f, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"verify", f.dir().string(), "--key", f.key_text()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  Cli r;
  r.code = cli::run_audit(args, f.clock(), in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string head_arg(const AuditHead& head) {
  return std::to_string(head.seq) + ":" + hash_text(head.hash);
}

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// BUG-9: "garbage" after the last record was a note and exit 0.
TEST(AuditHardening, BytesAfterTheLastRecordAreDamageWithTheirOffset) {
  LogFixture f;
  {
    AuditLog log = f.open();
    f.append(log, 2);
  }
  const std::string intact = read_text(f.segment());
  write_text(f.segment(), intact + "{\"junk\":");
  const Cli r = verify_cli(f);
  EXPECT_EQ(r.code, cli::k_exit_tampered) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "TAMPERED: trailing bytes at audit-00000001.jsonl offset " +
                                  std::to_string(intact.size())))
      << r.out;
  EXPECT_TRUE(contains(r.out, "8 bytes after the last complete record")) << r.out;
}

// BUG-9 / T17d: 1 GiB of NULs after the last record: exit 0 "clean" with 1 GiB of RSS.
// Sparse here (no disk), and the reader stops after one record's worth.
TEST(AuditHardening, AHugeJunkTailIsDamageAndIsNotReadIntoMemory) {
  LogFixture f;
  {
    AuditLog log = f.open();
    f.append(log, 2);
  }
  const auto size = fs::file_size(f.segment());
  fs::resize_file(f.segment(), size + (std::uintmax_t{1} << 30));
  const long before = peak_rss_kib();
  const Cli r = verify_cli(f);
  EXPECT_EQ(r.code, cli::k_exit_tampered) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "a line longer than 4096 bytes")) << r.out;
  EXPECT_LT(peak_rss_kib() - before, 128 * 1024) << "KiB of peak RSS added";
}

// T17: a FIFO named like the next segment blocked verify forever.
TEST(AuditHardening, AFifoSegmentIsRefusedWithoutHanging) {
  LogFixture f;
  {
    AuditLog log = f.open();
    f.append(log, 1);
  }
  ASSERT_EQ(::mkfifo(f.segment(2).c_str(), 0600), 0);
  const Cli r = verify_cli(f);
  EXPECT_EQ(r.code, k_exit_usage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "audit-00000002.jsonl' is a FIFO, not a regular file")) << r.err;
  // The writer refuses it too (it is the last segment), at once.
  auto log = AuditLog::open(f.dir(), KeySource::state_file(), f.clock());
  ASSERT_FALSE(log);
  EXPECT_TRUE(contains(log.error().message, "is a FIFO")) << log.error().message;
}

// BUG-10: every segment deleted, a witness given: was exit 2 "no audit log segments".
TEST(AuditHardening, AWitnessWithNoSegmentLeftIsDamage) {
  LogFixture f;
  AuditHead head;
  {
    AuditLog log = f.open();
    head = f.append(log, 3);
  }
  fs::remove(f.segment());
  const Cli r = verify_cli(f, {"--head", head_arg(head)});
  EXPECT_EQ(r.code, cli::k_exit_tampered) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "TAMPERED: deleted (seq " + std::to_string(head.seq) + ")")) << r.out;
  EXPECT_TRUE(contains(r.out, "the whole log was deleted")) << r.out;
  // Without a witness there is nothing to say it was ever a log: bad input, as before.
  EXPECT_EQ(verify_cli(f).code, k_exit_usage);
}

// BUG-13: setup on a full disk left an empty segment, and every retry was refused.
// RLIMIT_FSIZE stands in for the full disk (the write fails with EFBIG), in a child.
TEST(AuditHardening, AFailedSetupLeavesNothingBehindAndCanBeRetried) {
  ztp::testing::TempTree tree;
  const fs::path dir = tree.root() / "new" / "log";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64, 64};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    ztp::testing::FixedClock clock;
    _exit(AuditLog::setup(dir, std::chrono::seconds(900), clock) ? 0 : 7);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7) << "setup should fail past RLIMIT_FSIZE";
  EXPECT_FALSE(fs::exists(dir)) << "setup created the directory and must remove it";
  ztp::testing::FixedClock clock;
  auto retry = AuditLog::setup(dir, std::chrono::seconds(900), clock);
  EXPECT_TRUE(retry) << retry.error().message;
}

// T25: a symlinked seal.key was followed, and the key state written outside the log.
TEST(AuditHardening, ASymlinkedKeyStateIsRefused) {
  LogFixture f;
  { AuditLog log = f.open(); }
  const fs::path elsewhere = f.dir().parent_path() / "elsewhere.key";
  fs::rename(f.dir() / "seal.key", elsewhere);
  fs::create_symlink(elsewhere, f.dir() / "seal.key");
  auto log = AuditLog::open(f.dir(), KeySource::state_file(), f.clock());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().kind, ErrorKind::bad_input);
  EXPECT_TRUE(contains(log.error().message, "seal.key' is a symbolic link: refused"))
      << log.error().message;
  // And setup does not take a dangling link for "no key state yet".
  fs::remove(elsewhere);
  fs::remove(f.segment());
  ztp::testing::FixedClock clock;
  EXPECT_FALSE(AuditLog::setup(f.dir(), std::chrono::seconds(900), clock));
}

// T26: a world-writable log directory was accepted without a word.
TEST(AuditHardening, AGroupOrWorldWritableDirectoryIsRefused) {
  LogFixture f;
  { AuditLog log = f.open(); }
  for (const auto mode : {fs::perms::owner_all | fs::perms::others_all,
                          fs::perms::owner_all | fs::perms::group_write}) {
    fs::permissions(f.dir(), mode);
    auto log = AuditLog::open(f.dir(), KeySource::state_file(), f.clock());
    ASSERT_FALSE(log);
    EXPECT_EQ(log.error().kind, ErrorKind::permission_denied);
    EXPECT_TRUE(contains(log.error().message, "is writable by group or others"))
        << log.error().message;
  }
  fs::permissions(f.dir(), fs::perms::owner_all);
  EXPECT_TRUE(AuditLog::open(f.dir(), KeySource::state_file(), f.clock()));
}

// One log, one node, one probe: a sealed entry about another node is flagged.
TEST(AuditHardening, AnEntryAboutAnotherNodeOrProbeIsFlagged) {
  for (const bool other_node : {true, false}) {
    LogFixture f;
    {
      AuditLog log = f.open();
      f.append(log, 2);
      AuditEntry e = sample_entry(7);
      (other_node ? e.node : e.probe) = other_node ? "worker-2" : "ztp-prem-tpm";
      f.clock().advance(std::chrono::seconds(60));
      ASSERT_TRUE(log.append(e));
    }
    const Cli r = verify_cli(f);
    EXPECT_EQ(r.code, cli::k_exit_tampered) << r.out;
    EXPECT_TRUE(contains(r.out, "TAMPERED: other subject at audit-00000001.jsonl:")) << r.out;
    EXPECT_TRUE(contains(r.out, other_node ? "node 'worker-2'" : "probe 'ztp-prem-tpm'")) << r.out;
  }
}

}  // namespace
}  // namespace ztp::audit::testing
