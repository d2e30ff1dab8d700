#include "fleet/dir_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "fleet_docs.h"
#include "testlib/json_lines.h"
#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;

std::string now_text() { return format_rfc3339(std::chrono::system_clock::now()); }

class DirSourceTest : public ::testing::Test {
 protected:
  // Writes like the agents do: a temporary name, then rename(2).
  void publish(const std::string& name, const std::string& content) {
    m_dir.write("." + name + ".tmp", content);
    std::filesystem::rename(m_dir.root() / ("." + name + ".tmp"), m_dir.root() / name);
  }

  // Waits (bounded) until pred holds for the current snapshot.
  template <class Pred>
  std::shared_ptr<const Snapshot> wait_until(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto snap = m_state.snapshot();
    while (!pred(*snap) && std::chrono::steady_clock::now() < deadline) {
      m_state.wait_for_revision(snap->revision, 100ms);
      snap = m_state.snapshot();
    }
    return snap;
  }

  void start(DirSourceOptions options = {5ms, 50ms, 50ms}) {
    m_source = std::make_unique<DirSource>(m_dir.root(), m_state, m_log, options);
    ASSERT_TRUE(m_source->start());
  }

  testing::TempTree m_dir;
  SystemClock m_clock;
  FleetState m_state{m_clock, 30min};
  std::ostringstream m_log_text;
  log::Logger m_log{m_log_text, m_clock};
  std::unique_ptr<DirSource> m_source;
};

TEST_F(DirSourceTest, InitialScanThenReady) {
  publish("a.cc.json", testing::cc_doc("a", now_text()).dump());
  publish("a.tpm.json", testing::tpm_doc("a", now_text()).dump());
  m_dir.write(".b.cc.json.tmp", "{half");  // an agent mid-write: ignored
  m_dir.write("README", "not a document");
  start();
  const auto snap = wait_until([&](const Snapshot&) { return m_state.ready(); });
  ASSERT_TRUE(m_state.ready());
  ASSERT_EQ(snap->rows.size(), 1U);
  EXPECT_EQ(snap->rows[0].state, RowState::ok);
}

TEST_F(DirSourceTest, FollowsRenamesWritesAndDeletes) {
  start();
  wait_until([&](const Snapshot&) { return m_state.ready(); });
  publish("a.cc.json", testing::cc_doc("a", now_text(), "tdx").dump());
  auto snap = wait_until([](const Snapshot& s) { return s.find("a") != nullptr; });
  ASSERT_NE(snap->find("a"), nullptr);
  EXPECT_EQ(snap->find("a")->mode, 4);  // tdx

  publish("a.cc.json", testing::cc_doc("a", now_text(), "sev-snp").dump());
  snap = wait_until([](const Snapshot& s) { return s.find("a") && s.find("a")->mode == 3; });
  EXPECT_EQ(snap->find("a")->mode, 3);

  // Written in place (no rename): read once, at close.
  {
    std::ofstream out(m_dir.root() / "a.cc.json", std::ios::trunc);
    const std::string doc = testing::cc_doc("a", now_text(), "none").dump();
    out << doc.substr(0, 10);
    out.flush();
    out << doc.substr(10);
  }
  snap = wait_until([](const Snapshot& s) { return s.find("a") && s.find("a")->mode == 0; });
  EXPECT_EQ(snap->find("a")->mode, 0);
  EXPECT_TRUE(snap->find("a")->invalid_reasons.empty());

  std::filesystem::remove(m_dir.root() / "a.cc.json");
  snap = wait_until([](const Snapshot& s) { return s.find("a") == nullptr; });
  EXPECT_EQ(snap->find("a"), nullptr);
}

TEST_F(DirSourceTest, BurstsAreCoalesced) {
  start({50ms, 250ms, 1000ms});
  wait_until([&](const Snapshot&) { return m_state.ready(); });
  const auto before = m_state.snapshot()->revision;
  for (int i = 0; i < 200; ++i) {
    const std::string node = "n" + std::to_string(i);
    publish(node + ".cc.json", testing::cc_doc(node, now_text()).dump());
  }
  const auto snap = wait_until([](const Snapshot& s) { return s.rows.size() == 200; });
  EXPECT_EQ(snap->rows.size(), 200U);
  // 200 writes, far fewer revisions (each batch is one revision).
  EXPECT_LT(snap->revision - before, 50U);
}

TEST_F(DirSourceTest, HostileFilesBecomeInvalidRowsNotCrashes) {
  const std::string secret_path = (m_dir.root() / "secret").string();
  m_dir.write("secret", testing::cc_doc("s", now_text()).dump());
  std::filesystem::create_symlink(secret_path, m_dir.root() / "s.cc.json");
  ASSERT_EQ(::mkfifo((m_dir.root() / "f.cc.json").c_str(), 0600), 0);
  m_dir.write("big.cc.json", std::string(k_max_document_bytes + 10, ' '));
  m_dir.mkdir("d.cc.json");
  start();
  auto snap = wait_until([&](const Snapshot&) { return m_state.ready(); });
  ASSERT_NE(snap->find("s"), nullptr);
  EXPECT_NE(snap->find("s")->invalid_reasons[0].find("symbolic link"), std::string::npos);
  ASSERT_NE(snap->find("f"), nullptr);
  EXPECT_NE(snap->find("f")->invalid_reasons[0].find("not a regular file"), std::string::npos);
  ASSERT_NE(snap->find("big"), nullptr);
  EXPECT_NE(snap->find("big")->invalid_reasons[0].find("64 KiB"), std::string::npos);
  EXPECT_EQ(snap->counts.invalid_documents, 4U);
  // A symlink created while running is seen too (it only sends IN_CREATE).
  std::filesystem::create_symlink(secret_path, m_dir.root() / "t.tpm.json");
  snap = wait_until([](const Snapshot& s) { return s.find("t") != nullptr; });
  ASSERT_NE(snap->find("t"), nullptr);
  EXPECT_EQ(snap->find("t")->state, RowState::invalid);
}

// BUG-4: the directory is moved away, recreated, deleted: the source follows the path.
TEST(DirSource, FollowsItsDirectoryThroughMovesAndRecreation) {
  testing::TempTree tree;
  const auto dir = tree.root() / "state";
  const auto write = [&](const std::filesystem::path& d, const std::string& node) {
    std::ofstream(d / ("." + node + ".tmp")) << testing::cc_doc(node, now_text()).dump();
    std::filesystem::rename(d / ("." + node + ".tmp"), d / (node + ".cc.json"));
  };
  std::filesystem::create_directory(dir);
  write(dir, "old");
  SystemClock clock;
  FleetState state(clock, 30min);
  std::ostringstream log_text;
  log::Logger logger(log_text, clock);
  DirSource source(dir, state, logger, {5ms, 50ms, 200ms});
  ASSERT_TRUE(source.start());
  const auto wait = [&](auto pred) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  };
  ASSERT_TRUE(wait([&] { return state.snapshot()->find("old") != nullptr; }));
  EXPECT_FALSE(source.problem());

  std::filesystem::rename(dir, tree.root() / "state.old");
  ASSERT_TRUE(wait([&] { return source.problem().has_value(); }));
  EXPECT_NE(source.problem()->find("missing"), std::string::npos);
  EXPECT_NE(state.snapshot()->find("old"), nullptr);  // the last state is still served
  write(tree.root() / "state.old", "ghost");          // the moved directory is not followed

  std::filesystem::create_directory(dir);
  write(dir, "recreated");
  ASSERT_TRUE(wait([&] { return state.snapshot()->find("recreated") != nullptr; }));
  EXPECT_FALSE(source.problem());
  EXPECT_EQ(state.snapshot()->find("old"), nullptr);  // the new directory is the truth
  EXPECT_EQ(state.snapshot()->find("ghost"), nullptr);
  write(dir, "later");
  EXPECT_TRUE(wait([&] { return state.snapshot()->find("later") != nullptr; }));

  std::filesystem::remove_all(dir);
  EXPECT_TRUE(wait([&] { return source.problem().has_value(); }));
  std::filesystem::create_directory(dir);
  write(dir, "again");
  EXPECT_TRUE(wait([&] { return state.snapshot()->find("again") != nullptr; }));
  EXPECT_FALSE(source.problem());
  source.stop();
  // What happened is in the service's JSON-lines log, not in plain lines on stderr.
  EXPECT_EQ(testing::log_events(log_text.str(), "fleet.dir.missing").size(), 2u);
  EXPECT_EQ(testing::log_events(log_text.str(), "fleet.dir.back").size(), 2u);
  for (const auto& line : testing::log_events(log_text.str(), "fleet.dir.missing")) {
    EXPECT_EQ(line["level"], "warn");
    EXPECT_EQ(line["dir"], dir.string());
  }
}

TEST(DirSource, MissingDirectoryIsBadInput) {
  SystemClock clock;
  FleetState state(clock, 30min);
  std::ostringstream log_text;
  log::Logger logger(log_text, clock);
  DirSource source("/nonexistent/ztp-prem", state, logger);
  const auto started = source.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().kind, ErrorKind::bad_input);
}

TEST(ReadDocumentFile, ReadsAtMostOneBytePastTheCap) {
  testing::TempTree dir;
  dir.write("x.cc.json", "{}");
  const int fd = ::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(*read_document_file(fd, "x.cc.json"), "{}");
  EXPECT_EQ(read_document_file(fd, "y.cc.json").error().kind, ErrorKind::not_found);
  ::close(fd);
}

}  // namespace
}  // namespace ztp::fleet
