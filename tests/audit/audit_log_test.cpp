#include "audit/audit_log.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "audit/key_state.h"
#include "audit/show.h"
#include "audit_fixture.h"
#include "report/digest.h"

namespace ztp::audit {
namespace {

using std::chrono::seconds;
using testing::LogFixture;
using testing::sample_entry;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(AuditLog, SetupWritesGenesisAndKeepsNoSeedOnTheNode) {
  LogFixture f;
  ASSERT_EQ(f.lines().size(), 2u);  // open + close of epoch 0
  const Record genesis = testing::parse(f.lines()[0]);
  EXPECT_EQ(genesis.type, RecordType::open);
  EXPECT_EQ(genesis.epoch_seconds, 900u);
  EXPECT_EQ(testing::parse(f.lines()[1]).type, RecordType::close);
  const std::string k0_hex = to_hex(f.k0());
  for (const auto& entry : std::filesystem::directory_iterator(f.dir())) {
    EXPECT_FALSE(contains(testing::read_text(entry.path()), k0_hex)) << entry.path();
  }
  struct stat st {};
  ASSERT_EQ(::stat((f.dir() / "seal.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(f.dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(f.verify().clean());
  // A second setup on the same directory is refused.
  EXPECT_FALSE(AuditLog::setup(f.dir(), seconds(900), f.clock()));
}

TEST(AuditLog, AppendsChainAndSurviveReopen) {
  LogFixture f;
  AuditHead head;
  {
    AuditLog log = f.open();
    EXPECT_EQ(log.head().seq, 1u);
    EXPECT_FALSE(log.head().stalled);
    head = f.append(log, 5);
    EXPECT_EQ(log.head().seq, head.seq);
  }
  AuditLog again = f.open();
  EXPECT_EQ(again.head().seq, head.seq);
  EXPECT_EQ(again.head().hash, head.hash);
  const VerifyReport report = f.verify(testing::witness_of(head));
  EXPECT_TRUE(report.clean()) << report.bad->detail;
  EXPECT_EQ(report.head_seq, head.seq);
}

TEST(AuditLog, EpochsEvolveWithCloseRecordsAndTheOldKeyLeavesTheFile) {
  LogFixture f;
  AuditLog log = f.open();
  f.append(log, 1, seconds(10));
  EXPECT_EQ(log.epoch(), 1u);
  const std::string key_file = (f.dir() / "seal.key").string();
  // Epoch 1's key is k1 = evolve(k0); it is in the file now.
  const std::string k1_hex = to_hex(evolve_key(f.k0(), 0, 1).value());
  EXPECT_TRUE(contains(testing::read_text(key_file), k1_hex));
  f.append(log, 1, seconds(2000));  // jumps two epochs at once
  EXPECT_EQ(log.epoch(), 3u);
  const std::string state = testing::read_text(key_file);
  EXPECT_FALSE(contains(state, k1_hex));
  EXPECT_FALSE(contains(state, to_hex(evolve_key(f.k0(), 0, 2).value())));
  EXPECT_TRUE(contains(state, to_hex(evolve_key(f.k0(), 0, 3).value())));
  const auto lines = f.lines();
  const Record close = testing::parse(lines[lines.size() - 2]);
  EXPECT_EQ(close.type, RecordType::close);
  EXPECT_EQ(close.epoch, 1u);
  EXPECT_EQ(close.next_epoch, 3u);
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, RollEpochDestroysTheKeyWithoutAnEntry) {
  LogFixture f;
  AuditLog log = f.open();
  f.clock().advance(seconds(1000));
  auto head = log.roll_epoch();
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(log.epoch(), 2u);
  EXPECT_EQ(testing::parse(f.lines().back()).type, RecordType::close);
  EXPECT_TRUE(log.roll_epoch());  // nothing to do within the epoch
  EXPECT_EQ(f.lines().size(), 3u);
  f.append(log, 1, seconds(1));
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, ClockGoingBackwardsKeepsTheEpoch) {
  LogFixture f;
  AuditLog log = f.open();
  f.append(log, 2, seconds(1000));
  const std::uint64_t epoch = log.epoch();
  f.clock().advance(-seconds(5000));
  f.append(log, 1, seconds(0));
  EXPECT_EQ(log.epoch(), epoch);
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, RotatesBySizeAndTheChainContinuesAcrossFiles) {
  LogFixture f;
  AuditOptions options;
  options.max_segment_bytes = 2048;
  AuditHead head;
  {
    AuditLog log = f.open(options);
    head = f.append(log, 30, seconds(100));
  }
  EXPECT_TRUE(std::filesystem::exists(f.segment(4)));
  for (int i = 1; std::filesystem::exists(f.segment(i)); ++i) {
    EXPECT_LE(std::filesystem::file_size(f.segment(i)), 2048u);
  }
  const VerifyReport report = f.verify(testing::witness_of(head));
  EXPECT_TRUE(report.clean()) << report.bad->detail;
  EXPECT_GE(report.segments, 4u);
  AuditLog again = f.open(options);
  EXPECT_EQ(again.head().seq, head.seq);
  // A whole rotated file deleted: the chain gap shows.
  std::filesystem::remove(f.segment(2));
  const VerifyReport gap = f.verify();
  ASSERT_FALSE(gap.clean());
  EXPECT_EQ(gap.bad->damage, Damage::deleted);
}

TEST(AuditLog, TornLastLineIsCutAtOpenWithALogLine) {
  LogFixture f;
  AuditHead head;
  {
    AuditLog log = f.open();
    head = f.append(log, 3);
  }
  const std::string intact = testing::read_text(f.segment());
  const std::string next_line = f.lines().back();
  testing::write_text(f.segment(), intact + next_line.substr(0, next_line.size() / 2));
  const VerifyReport before = f.verify();
  ASSERT_FALSE(before.clean());  // verify calls what follows the last record damage
  EXPECT_EQ(before.bad->damage, Damage::trailing_bytes);
  EXPECT_EQ(before.bad->offset, intact.size());
  AuditLog log = f.open();
  EXPECT_EQ(testing::read_text(f.segment()), intact);
  EXPECT_EQ(log.head().seq, head.seq);
  const auto cut = f.log_events("audit.torn_record_cut");
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0]["level"], "warn");
  EXPECT_EQ(cut[0]["segment"], f.segment().string());
  EXPECT_EQ(cut[0]["offset"], intact.size());
  EXPECT_EQ(cut[0]["bytes"], next_line.size() / 2);
  f.append(log, 1);
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, ZeroFilledTailIsCutToo) {
  LogFixture f;
  { AuditLog log = f.open(); }
  const std::string intact = testing::read_text(f.segment());
  testing::write_text(f.segment(), intact + std::string(300, '\0'));
  AuditLog log = f.open();
  EXPECT_EQ(testing::read_text(f.segment()), intact);
  EXPECT_FALSE(log.head().stalled);
}

TEST(AuditLog, CrashBetweenCloseRecordAndKeyEvolutionIsFinishedAtOpen) {
  LogFixture f;
  {
    AuditLog log = f.open();
    f.append(log, 1, seconds(10));
  }
  std::string state_before = testing::read_text(f.dir() / "seal.key");
  {
    AuditLog log = f.open();
    f.append(log, 1, seconds(1000));  // closes epoch 1
  }
  // Put back the key state as it was before the evolution and drop the entry after the
  // close record: the state a crash right after the close record leaves.
  auto lines = f.lines();
  lines.pop_back();
  f.write_lines(lines);
  testing::write_text(f.dir() / "seal.key", state_before);
  AuditLog log = f.open();
  EXPECT_FALSE(log.head().stalled) << log.head().reason;
  EXPECT_EQ(log.epoch(), 2u);
  f.append(log, 1, seconds(1));
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, TornKeySlotFallsBackToTheIntactOne) {
  LogFixture f;
  { AuditLog log = f.open(); }
  std::string state = testing::read_text(f.dir() / "seal.key");
  // Half-written new slot B (crash during evolve): garbage where B lives.
  const std::string torn = "{\"check\":\"00\",\"epoch\":9,\"key\":\"abc";
  state.replace(320, torn.size(), torn);
  testing::write_text(f.dir() / "seal.key", state);
  AuditLog log = f.open();
  EXPECT_FALSE(log.head().stalled) << log.head().reason;
  EXPECT_EQ(log.epoch(), 1u);
  f.append(log, 1);
  EXPECT_TRUE(f.verify().clean());
}

TEST(AuditLog, RefusesAKeyOthersCanRead) {
  LogFixture f;
  ASSERT_EQ(::chmod((f.dir() / "seal.key").c_str(), 0644), 0);
  auto log = AuditLog::open(f.dir(), KeySource::state_file(), f.clock());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().kind, ErrorKind::permission_denied);
  EXPECT_TRUE(contains(log.error().message, "mode 0644")) << log.error().message;
  EXPECT_TRUE(contains(log.error().message, "chmod 600")) << log.error().message;
  ASSERT_EQ(::chmod((f.dir() / "seal.key").c_str(), 0640), 0);
  EXPECT_FALSE(AuditLog::open(f.dir(), KeySource::state_file(), f.clock()));
}

TEST(AuditLog, OneAppenderAtATime) {
  LogFixture f;
  AuditLog first = f.open();
  auto second = AuditLog::open(f.dir(), KeySource::state_file(), f.clock());
  ASSERT_FALSE(second);
  EXPECT_TRUE(contains(second.error().message, "another process")) << second.error().message;
}

TEST(AuditLog, MissingDirectoryOrStateIsAClearError) {
  ztp::testing::TempTree tree;
  ztp::testing::FixedClock clock;
  auto missing = AuditLog::open(tree.root() / "nope", KeySource::state_file(), clock);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(contains(missing.error().message, "ztp-prem-audit setup"));
  auto empty = AuditLog::open(tree.root(), KeySource::state_file(), clock);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, ErrorKind::not_found);
}

TEST(AuditLog, SeedFileBootstrapsAnEmptyDirectoryOnce) {
  ztp::testing::TempTree tree;
  ztp::testing::FixedClock clock;
  const Bytes32 k0 = random_bytes32().value();
  tree.write("secret/key", verification_key_text(k0) + "\n");
  const auto seed = tree.root() / "secret/key";
  ASSERT_EQ(::chmod(seed.c_str(), 0644), 0);
  tree.mkdir("log");
  std::ostringstream said;
  log::Logger logger(said, clock);
  AuditOptions options;
  options.logger = &logger;
  auto refused = AuditLog::open(tree.root() / "log", KeySource::seed_file(seed), clock, options);
  ASSERT_FALSE(refused);  // a Secret volume without defaultMode 0400 is world-readable
  EXPECT_EQ(refused.error().kind, ErrorKind::permission_denied);
  ASSERT_EQ(::chmod(seed.c_str(), 0400), 0);
  {
    auto log = AuditLog::open(tree.root() / "log", KeySource::seed_file(seed), clock, options);
    ASSERT_TRUE(log) << log.error().message;
    clock.advance(seconds(5));
    ASSERT_TRUE(log->append(sample_entry(1)));
  }
  auto again = AuditLog::open(tree.root() / "log", KeySource::seed_file(seed), clock, options);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->head().seq, 2u);
  EXPECT_EQ(ztp::testing::log_events(said.str(), "audit.created_from_seed").size(), 1u);
  const auto left = ztp::testing::log_events(said.str(), "audit.seed_file_left");
  ASSERT_EQ(left.size(), 1u) << said.str();  // once the log exists, not when it is created
  EXPECT_EQ(left[0]["seedFile"], seed.string());
  EXPECT_TRUE(contains(left[0]["message"].get<std::string>(), "still on the node"));
  auto report = verify_log(tree.root() / "log", k0, std::nullopt, clock);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->clean());
}

TEST(AuditLog, InvalidEntryIsRefusedWithoutStalling) {
  LogFixture f;
  AuditLog log = f.open();
  AuditEntry e = sample_entry(1);
  e.node = "Not A Node";
  auto r = log.append(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
  EXPECT_FALSE(log.head().stalled);
}

TEST(AuditLog, EnvelopeHeadCarriesSeqHashAndState) {
  AuditHead head;
  head.seq = 12;
  head.hash = sha256("x").value();
  const auto ref = envelope_head(head);
  EXPECT_EQ(ref.seq, 12u);
  EXPECT_EQ(ref.hash, "sha256:" + to_hex(head.hash));
  EXPECT_FALSE(ref.stalled);
  head.stalled = true;
  EXPECT_TRUE(envelope_head(head).stalled);
}

// Privacy: whatever a document carries (planted PCR values, serials, evidence), the log
// and every output of show hold none of it: only the digest, the classification and names.
TEST(AuditLog, RecordsCarryNoPlantedValues) {
  report::Document doc;
  doc.envelope.kind = "CCStatus";
  doc.envelope.node = "worker-1";
  doc.envelope.wave = "w42";
  doc.envelope.probe = {"ztp-prem-detect", "0.1.0"};
  doc.body["mode"] = "sev-snp";
  doc.body["pcr0"] = "PLANTED-PCR-0123456789abcdef";
  doc.body["ekSerial"] = "PLANTED-SERIAL-42";
  doc.findings.signal("hypervisorPresent", true);
  doc.findings.note("PLANTED evidence line with a UUID 123e4567-e89b-12d3-a456-426614174000");
  LogFixture f;
  {
    AuditLog log = f.open();
    AuditEntry e;
    e.probe = doc.envelope.probe.name;
    e.node = doc.envelope.node;
    e.wave = doc.envelope.wave;
    e.generated_at = doc.envelope.generated_at;
    e.digest = report::content_digest(doc).value();
    e.classification = "sev-snp";
    e.reason = Reason::start;
    f.clock().advance(seconds(1));
    ASSERT_TRUE(log.append(e));
  }
  std::string everything;
  for (const auto& entry : std::filesystem::directory_iterator(f.dir())) {
    everything += testing::read_text(entry.path());
  }
  std::ostringstream text;
  std::ostringstream jsonl;
  ASSERT_TRUE(show_log(f.dir(), ShowFormat::text, text));
  ASSERT_TRUE(show_log(f.dir(), ShowFormat::jsonl, jsonl));
  everything += text.str() + jsonl.str();
  for (const char* planted : {"PLANTED", "0123456789abcdef", "123e4567", "hypervisorPresent"}) {
    EXPECT_FALSE(contains(everything, planted)) << planted;
  }
  EXPECT_TRUE(contains(text.str(), "node=worker-1")) << text.str();
}

TEST(Show, TextAndJsonLines) {
  LogFixture f;
  {
    AuditLog log = f.open();
    f.append(log, 2);
  }
  std::ostringstream text;
  auto stats = show_log(f.dir(), ShowFormat::text, text);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->records, 4u);
  EXPECT_TRUE(contains(text.str(), "seq 2  2026-05-12T10:05:00Z  epoch 1  entry  ztp-prem-detect"))
      << text.str();
  std::ostringstream jsonl;
  ASSERT_TRUE(show_log(f.dir(), ShowFormat::jsonl, jsonl));
  EXPECT_EQ(jsonl.str(), testing::read_text(f.segment()));
  auto lines = f.lines();
  lines.insert(lines.begin() + 1, "garbage");
  f.write_lines(lines);
  std::ostringstream damaged;
  stats = show_log(f.dir(), ShowFormat::text, damaged);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->unreadable, 1u);
  EXPECT_TRUE(contains(damaged.str(), "audit-00000001.jsonl:2: unreadable")) << damaged.str();
}

}  // namespace
}  // namespace ztp::audit
