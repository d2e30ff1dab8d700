// The agent's audit wiring: what gets appended when, and what the document cites.
#include "agent/audit_stamp.h"

#include <gtest/gtest.h>

#include <sstream>

#include "audit/verify.h"
#include "report/digest.h"
#include "testlib/fixed_clock.h"
#include "testlib/temp_tree.h"

namespace ztp::agent {
namespace {

using std::chrono::seconds;

report::Document document(const std::string& mode) {
  report::Document d;
  d.envelope.kind = "CCStatus";
  d.envelope.node = "node-1";
  d.envelope.wave = "w1";
  d.envelope.probe = {"ztp-prem-detect", "0.1.0"};
  d.body["mode"] = mode;
  d.findings.signal("cpuidAvailable", true);
  d.findings.note("guest: test");
  return d;
}

struct AuditWorld {
  ztp::testing::TempTree tree;
  ztp::testing::FixedClock clock;
  std::ostringstream log_out;
  log::Logger logger{log_out, clock, log::Level::debug};
  std::filesystem::path dir = tree.root() / "audit";
  std::string key;

  AuditWorld() { key = audit::AuditLog::setup(dir, seconds(900), clock).value(); }

  AuditStamp stamp(seconds heartbeat, bool boot_state = false) {
    auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock);
    EXPECT_TRUE(log) << log.error().message;
    return AuditStamp(std::move(*log), clock, heartbeat, logger, boot_state);
  }

  audit::VerifyReport verify(const report::AuditHeadRef& head) {
    const auto k0 = audit::parse_verification_key(key).value();
    const auto witness = audit::parse_witness(std::to_string(head.seq) + ":" + head.hash).value();
    return audit::verify_log(dir, k0, witness, clock).value();
  }
};

TEST(AuditStamp, TheTpmAgentCitesItsBootStateOutsideTheDigest) {
  AuditWorld w;
  report::Document d = document("none");
  {
    AuditStamp plain = w.stamp(seconds(600));
    plain.stamp(d);
  }
  EXPECT_FALSE(d.envelope.boot_state.has_value());  // the CC agent: no bootState
  const auto digest = report::content_digest(d).value();

  AuditStamp tpm = w.stamp(seconds(600), true);
  tpm.stamp(d);
  ASSERT_TRUE(d.envelope.boot_state.has_value());
  EXPECT_FALSE(d.envelope.boot_state->quoted);  // no --quote-pcrs: records are not quoted
  EXPECT_FALSE(d.envelope.boot_state->changed_at.has_value());
  EXPECT_EQ(report::content_digest(d).value(), digest);
  EXPECT_EQ(report::to_json(d)["bootState"], nlohmann::ordered_json({{"quoted", false}}));
}

TEST(AuditStamp, AppendsOnStartChangeAndHeartbeatOnly) {
  AuditWorld w;
  AuditStamp stamp = w.stamp(seconds(600));
  const std::uint64_t genesis = stamp.log().head().seq;

  report::Document d = document("none");
  stamp.stamp(d);  // start
  ASSERT_TRUE(d.envelope.audit_head.has_value());
  EXPECT_EQ(d.envelope.audit_head->seq, genesis + 1);
  EXPECT_FALSE(d.envelope.audit_head->stalled);

  w.clock.advance(seconds(60));
  report::Document same = document("none");
  stamp.stamp(same);  // unchanged, heartbeat not due: no record
  EXPECT_EQ(same.envelope.audit_head->seq, genesis + 1);

  report::Document changed = document("sev-snp");
  stamp.stamp(changed);  // change
  EXPECT_EQ(changed.envelope.audit_head->seq, genesis + 2);

  w.clock.advance(seconds(600));
  report::Document beat = document("sev-snp");
  stamp.stamp(beat);  // heartbeat (an epoch close may precede it: seq grows by >= 1)
  EXPECT_GT(beat.envelope.audit_head->seq, genesis + 2);

  // The log verifies against the head the last document cites (the off-node witness).
  const auto report = w.verify(*beat.envelope.audit_head);
  EXPECT_TRUE(report.clean()) << report.bad->detail;
  EXPECT_EQ(report.head_seq, beat.envelope.audit_head->seq);
}

TEST(AuditStamp, AuditHeadDoesNotChangeTheContentDigest) {
  AuditWorld w;
  AuditStamp stamp = w.stamp(seconds(600));
  report::Document a = document("tdx");
  const auto before = report::content_digest(a).value();
  stamp.stamp(a);
  EXPECT_EQ(report::content_digest(a).value(), before);
  EXPECT_TRUE(report::to_json(a).contains("auditHead"));
}

TEST(AuditStampClassification, ModeFamilyAndReadiness) {
  EXPECT_EQ(classification_of(document("sev-es")), "sev-es");
  report::Document tpm;
  tpm.body["family"] = "tpm2-rm";
  tpm.body["readiness"] = {{"verdict", "partial"}, {"missing", {"eventLog"}}};
  EXPECT_EQ(classification_of(tpm), "tpm2-rm");
  EXPECT_EQ(readiness_of(tpm), "partial");
  EXPECT_EQ(readiness_of(document("none")), std::nullopt);
}

}  // namespace
}  // namespace ztp::agent
