// Crash safety and resource exhaustion, each in a child process so that SIGKILL,
// RLIMIT_FSIZE and mount namespaces never touch the test runner itself.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <random>

#include "audit_fixture.h"

namespace ztp::audit {
namespace {

using std::chrono::seconds;

// Wall time that moves on by a fixed step at each reading: epochs roll every few appends.
class StepClock final : public Clock {
 public:
  StepClock(std::chrono::system_clock::time_point start, seconds step)
      : m_now(start), m_step(step) {}
  std::chrono::system_clock::time_point wall_now() const override {
    m_now += m_step;
    return m_now;
  }
  std::chrono::steady_clock::time_point monotonic_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  mutable std::chrono::system_clock::time_point m_now;
  seconds m_step;
};

AuditOptions quiet() { return AuditOptions{}; }  // no logger: nothing is logged

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

TEST(Crash, SigkillAtRandomPointsLeavesALogCleanUpToTheLastDurableRecord) {
  testing::LogFixture f(seconds(60));
  std::mt19937 random(20261127);  // fixed seed: a failure reproduces
  std::uniform_int_distribution<int> delay_us(0, 4000);
  std::map<std::uint64_t, Bytes32> durable;  // every head a child reported after append()
  constexpr int k_rounds = 300;
  int killed_mid_run = 0;
  for (int round = 0; round < k_rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const auto start = f.clock().wall_now() + seconds(600) * round;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      const StepClock clock(start, seconds(7));
      auto log = AuditLog::open(f.dir(), KeySource::state_file(), clock, quiet());
      if (!log) {
        ::_exit(10);
      }
      for (int i = 0;; ++i) {
        auto head = log->append(testing::sample_entry(i));
        if (!head) {
          ::_exit(11);
        }
        // Reported only after append() returned: this record is durable.
        unsigned char buf[40];
        std::memcpy(buf, &head->seq, 8);
        std::memcpy(buf + 8, head->hash.data(), 32);
        if (::write(fds[1], buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) {
          ::_exit(12);
        }
      }
    }
    ::close(fds[1]);
    unsigned char buf[40];
    std::optional<Witness> last;
    auto take = [&] {
      Witness w;
      std::memcpy(&w.seq, buf, 8);
      std::memcpy(w.hash.data(), buf + 8, 32);
      durable[w.seq] = w.hash;
      last = w;
    };
    // Every fifth round kills anywhere from start-up (recovery included); the others wait
    // for the first durable append, then kill somewhere in the appends that follow (record
    // writes, close records, key evolution, rotation).
    if (round % 5 != 0 && ::read(fds[0], buf, sizeof buf) == static_cast<ssize_t>(sizeof buf)) {
      take();
    }
    ::usleep(static_cast<useconds_t>(delay_us(random)));
    ::kill(pid, SIGKILL);
    const int status = wait_child(pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    while (::read(fds[0], buf, sizeof buf) == static_cast<ssize_t>(sizeof buf)) {
      take();
    }
    ::close(fds[0]);
    killed_mid_run += last ? 1 : 0;
    // Start-up after the crash: recovers, and its head is at or past the last durable one.
    {
      auto log = AuditLog::open(f.dir(), KeySource::state_file(), f.clock(), quiet());
      ASSERT_TRUE(log) << log.error().message;
      EXPECT_FALSE(log->head().stalled) << log->head().reason;
      if (last) {
        EXPECT_GE(log->head().seq, last->seq);
      }
    }
    if (last && (round % 50 == 0 || round == k_rounds - 1)) {
      ztp::testing::FixedClock later;
      later.advance(seconds(600) * (round + 2));
      auto report = verify_log(f.dir(), f.k0(), last, later);
      ASSERT_TRUE(report);
      ASSERT_TRUE(report->clean()) << "round " << round << ": " << to_string(report->bad->damage)
                                   << ": " << report->bad->detail;
    }
  }
  EXPECT_GE(killed_mid_run, k_rounds * 4 / 5);
  // Every record any child reported durable is in the log, unchanged.
  std::map<std::uint64_t, Bytes32> in_log;
  for (int i = 1; std::filesystem::exists(f.segment(i)); ++i) {
    for (const auto& line : f.lines(i)) {
      const Record r = testing::parse(line);
      in_log[r.seq] = r.hash;
    }
  }
  for (const auto& [seq, hash] : durable) {
    ASSERT_TRUE(in_log.count(seq)) << "durable record " << seq << " lost";
    EXPECT_EQ(in_log[seq], hash) << "durable record " << seq << " changed";
  }
}

// Exit codes of the child below; 0 is success.
enum Step : int { k_ok = 0, k_open = 20, k_no_error, k_not_stalled, k_reason, k_resume, k_missed };

TEST(Crash, FileSizeLimitStallsTheLogAndTheNextAppendResumes) {
  testing::LogFixture f;
  { AuditLog log = f.open(); }
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ztp::testing::FixedClock clock;
    auto log = AuditLog::open(f.dir(), KeySource::state_file(), clock, quiet());
    if (!log) {
      ::_exit(k_open);
    }
    clock.advance(seconds(10));
    (void)log->append(testing::sample_entry(0));
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlimit small{static_cast<rlim_t>(std::filesystem::file_size(f.segment()) + 100),
                       limit.rlim_max};
    ::setrlimit(RLIMIT_FSIZE, &small);  // SIGXFSZ is ignored by open(): EFBIG instead
    for (int i = 1; i <= 2; ++i) {
      clock.advance(seconds(10));
      auto r = log->append(testing::sample_entry(i));
      if (r) {
        ::_exit(k_no_error);
      }
      if (!log->head().stalled) {
        ::_exit(k_not_stalled);
      }
      if (log->head().reason.find("EFBIG") == std::string::npos) {
        std::fprintf(stderr, "reason: %s\n", log->head().reason.c_str());
        ::_exit(k_reason);
      }
    }
    ::setrlimit(RLIMIT_FSIZE, &limit);
    clock.advance(seconds(10));
    auto r = log->append(testing::sample_entry(3));
    if (!r || r->stalled) {
      ::_exit(k_resume);
    }
    ::_exit(k_ok);
  }
  const int status = wait_child(pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  ASSERT_EQ(WEXITSTATUS(status), k_ok);
  const Record last = testing::parse(f.lines().back());
  EXPECT_EQ(last.missed, 2u);
  EXPECT_EQ(f.lines().size(), 4u);  // nothing of the failed appends remains
  EXPECT_TRUE(f.verify().clean());
}

// A real ENOSPC and a read-only remount on a small tmpfs in a private mount namespace.
TEST(Crash, FullAndReadOnlyFileSystemsStallWithClearReasons) {
  ztp::testing::TempTree tree;
  const std::filesystem::path mnt = tree.root() / "mnt";
  std::filesystem::create_directories(mnt);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0) {
      ::_exit(77);  // no CAP_SYS_ADMIN here
    }
    ztp::testing::FixedClock clock;
    const auto dir = mnt / "log";
    std::uint64_t durable_seq = 0;
    auto key = AuditLog::setup(dir, seconds(900), clock);
    if (!key) {
      ::_exit(30);
    }
    {
      auto log = AuditLog::open(dir, KeySource::state_file(), clock, quiet());
      if (!log) {
        ::_exit(31);
      }
      clock.advance(seconds(1));
      if (!log->append(testing::sample_entry(0))) {
        ::_exit(32);
      }
      // Fill the file system.
      const auto filler = mnt / "filler";
      const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT, 0600);
      const std::string block(4096, 'x');
      while (::write(fd, block.data(), block.size()) > 0) {
      }
      ::close(fd);
      // tmpfs allocates whole pages: the segment's last page may take a few more lines.
      bool full = false;
      for (int i = 1; i < 64 && !full; ++i) {
        clock.advance(seconds(1));
        full = !log->append(testing::sample_entry(i));
      }
      if (!full || log->head().reason.find("ENOSPC") == std::string::npos) {
        std::fprintf(stderr, "expected ENOSPC, got: %s\n", log->head().reason.c_str());
        ::_exit(33);
      }
      std::filesystem::remove(filler);
      clock.advance(seconds(1));
      auto resumed = log->append(testing::sample_entry(2));
      if (!resumed || resumed->stalled) {
        ::_exit(34);
      }
      durable_seq = resumed->seq;
    }
    if (::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      std::fprintf(stderr, "remount ro: %s\n", std::strerror(errno));
      ::_exit(35);
    }
    auto log = AuditLog::open(dir, KeySource::state_file(), clock, quiet());
    if (!log) {
      std::fprintf(stderr, "open on a read-only fs: %s\n", log.error().message.c_str());
      ::_exit(36);
    }
    if (!log->head().stalled || log->head().reason.find("EROFS") == std::string::npos ||
        log->head().seq != durable_seq) {
      std::fprintf(stderr, "head: %llu %s\n", static_cast<unsigned long long>(log->head().seq),
                   log->head().reason.c_str());
      ::_exit(37);
    }
    clock.advance(seconds(1));
    if (log->append(testing::sample_entry(3))) {
      ::_exit(38);
    }
    auto report = verify_log(dir, parse_verification_key(*key).value(), std::nullopt, clock);
    if (!report || !report->clean()) {
      ::_exit(39);
    }
    ::_exit(0);
  }
  const int status = wait_child(pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  if (WEXITSTATUS(status) == 77) {
    GTEST_SKIP() << "cannot create a mount namespace here (needs CAP_SYS_ADMIN)";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ztp::audit
