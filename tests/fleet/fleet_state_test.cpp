#include "fleet/fleet_state.h"

#include <gtest/gtest.h>

#include <thread>

#include "fleet/render.h"
#include "fleet_docs.h"
#include "testlib/fixed_clock.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;
using testing::cc_doc;
using testing::tpm_doc;

// FixedClock's wall time is 2026-05-12T10:00:00Z.
constexpr const char* k_now = "2026-05-12T10:00:00Z";
constexpr const char* k_5_min_ago = "2026-05-12T09:55:00Z";
constexpr const char* k_hour_ago = "2026-05-12T09:00:00Z";

using testing::update;

DocumentUpdate removal(const std::string& node, Probe probe) {
  DocumentUpdate u;
  u.node = node;
  u.probe = probe;
  u.removed = true;
  return u;
}

std::vector<DocumentUpdate> batch(std::initializer_list<DocumentUpdate> list) {
  return std::vector<DocumentUpdate>(list);
}

class FleetStateTest : public ::testing::Test {
 protected:
  testing::FixedClock m_clock;
  FleetState m_state{m_clock, 30min};
};

TEST_F(FleetStateTest, JoinsDocumentsIntoRowsAndCounts) {
  m_state.apply(batch({
      update("a", Probe::cc, cc_doc("a", k_5_min_ago, "tdx").dump()),
      update("a", Probe::tpm, tpm_doc("a", k_now, "tpm2-rm", "ready").dump()),
      update("b", Probe::cc, cc_doc("b", k_hour_ago, "none").dump()),  // stale, TPM missing
      update("c", Probe::tpm, "{broken"),                              // invalid
  }));
  const auto snap = m_state.snapshot();
  ASSERT_EQ(snap->rows.size(), 3U);
  const Row* a = snap->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->state, RowState::ok);
  EXPECT_EQ(a->wave, "wave-1");  // CC document's wave first
  EXPECT_EQ(format_rfc3339(*a->last_seen), k_now);
  const Row* b = snap->find("b");
  EXPECT_TRUE(b->stale);
  EXPECT_TRUE(b->missing_tpm);
  EXPECT_EQ(b->state, RowState::partial);  // partial outranks stale
  const Row* c = snap->find("c");
  EXPECT_EQ(c->state, RowState::invalid);
  ASSERT_EQ(c->invalid_reasons.size(), 1U);
  EXPECT_TRUE(c->invalid_reasons[0].starts_with("tpm: document: not valid JSON"));
  EXPECT_TRUE(c->missing_cc);
  EXPECT_FALSE(c->missing_tpm);  // an invalid document is present, not missing

  const FleetCounts& n = snap->counts;
  EXPECT_EQ(n.nodes, 3U);
  EXPECT_EQ(n.stale, 1U);
  EXPECT_EQ(n.invalid_nodes, 1U);
  EXPECT_EQ(n.invalid_documents, 1U);
  EXPECT_EQ(n.modes[4], 1U);  // tdx
  EXPECT_EQ(n.modes[0], 1U);  // none
  EXPECT_EQ(n.capabilities[0], 2U);
  EXPECT_EQ(n.cc_missing, 1U);
  EXPECT_EQ(n.families[0], 1U);  // the invalid TPM document is not counted
  EXPECT_EQ(n.tpm_missing, 1U);
  EXPECT_EQ(n.readiness[0], 1U);
  EXPECT_EQ(n.waves.at("wave-1"), 2U);
  EXPECT_EQ(snap->fleet_json, fleet_json(n, snap->revision, snap->generated_at).dump());
}

// A TPM document whose readiness.missing lists parts (verdict partial unless empty).
std::string tpm_missing(const std::string& node, const std::string& at,
                        std::initializer_list<const char*> parts) {
  auto doc = tpm_doc(node, at, "tpm2-raw", parts.size() == 0 ? "ready" : "partial");
  doc["readiness"]["missing"] = nlohmann::ordered_json::array();
  for (const char* part : parts) {
    doc["readiness"]["missing"].push_back(part);
  }
  return doc.dump();
}

// bootState (envelope.v1, TPM agent with a quoted audit log): nodes whose quoted boot
// state changed are counted and marked; a bootState carrying anything else (a digest) is
// refused, so a digest never reaches the model, the API or the dashboard.
TEST_F(FleetStateTest, CountsNodesWhoseQuotedBootStateChanged) {
  auto changed = tpm_doc("a", k_now);
  changed["auditHead"] = {{"seq", 50}, {"hash", "sha256:" + std::string(64, 'c')}, {"state", "ok"}};
  changed["bootState"] = {{"quoted", true}, {"changedAt", 41}, {"since", k_5_min_ago}};
  auto same = tpm_doc("b", k_now);
  same["bootState"] = {{"quoted", true}, {"since", k_hour_ago}};
  auto leaky = tpm_doc("c", k_now);
  leaky["bootState"] = {{"quoted", true}, {"pcrDigest", "sha256:" + std::string(64, 'd')}};
  auto bad_head = tpm_doc("d", k_now);
  bad_head["auditHead"] = {{"seq", 1}, {"hash", "PLANTED"}, {"state", "ok"}};
  m_state.apply(batch({
      update("a", Probe::tpm, changed.dump()),
      update("b", Probe::tpm, same.dump()),
      update("c", Probe::tpm, leaky.dump()),
      update("d", Probe::tpm, bad_head.dump()),
  }));
  const auto snap = m_state.snapshot();
  EXPECT_TRUE(snap->find("a")->invalid_reasons.empty());  // partial: no CC document
  EXPECT_EQ(snap->find("a")->boot_changed_at, 41U);
  EXPECT_EQ(snap->find("b")->boot_changed_at, std::nullopt);
  EXPECT_EQ(snap->find("c")->state, RowState::invalid);
  EXPECT_EQ(snap->find("d")->state, RowState::invalid);
  EXPECT_EQ(snap->counts.boot_state_changed, 1U);
  const auto fleet = nlohmann::json::parse(snap->fleet_json);
  EXPECT_EQ(fleet["tpm"]["bootStateChanged"], 1);
  EXPECT_EQ(row_json(*snap->find("a"))["bootStateChangedAt"], 41);
  EXPECT_TRUE(row_json(*snap->find("b"))["bootStateChangedAt"].is_null());
  EXPECT_EQ(snap->fleet_json.find("sha256:dddd"), std::string::npos);
}

TEST_F(FleetStateTest, CountsMissingPartsOverValidTpmDocumentsStaleIncluded) {
  auto broken = tpm_doc("d", k_now);
  broken["readiness"]["missing"] = {"firmware"};  // not a part: the document is invalid
  m_state.apply(batch({
      update("a", Probe::tpm, tpm_missing("a", k_now, {})),
      update("b", Probe::tpm, tpm_missing("b", k_now, {"eventLog"})),
      update("c", Probe::tpm, tpm_missing("c", k_hour_ago, {"resourceManager", "eventLog"})),
      update("d", Probe::tpm, broken.dump()),
      update("e", Probe::cc, cc_doc("e", k_now).dump()),  // no TPM document
  }));
  const auto snap = m_state.snapshot();
  ASSERT_TRUE(snap->find("c")->stale);
  ASSERT_EQ(snap->find("d")->state, RowState::invalid);
  // k_missing_parts order: tpm2 driver hardwareChip resourceManager eventLog.
  EXPECT_EQ(snap->counts.missing_parts,
            (std::array<std::size_t, k_missing_parts.size()>{0, 0, 0, 1, 2}));
  const auto fleet = nlohmann::json::parse(snap->fleet_json);
  EXPECT_EQ(fleet["tpm"]["missingParts"], (nlohmann::json{{"tpm2", 0},
                                                          {"driver", 0},
                                                          {"hardwareChip", 0},
                                                          {"resourceManager", 1},
                                                          {"eventLog", 2}}));

  // The counts follow the documents: c's event log appears, b's TPM document goes away.
  m_state.apply(batch({update("c", Probe::tpm, tpm_missing("c", k_now, {"resourceManager"})),
                       removal("b", Probe::tpm)}));
  EXPECT_EQ(m_state.snapshot()->counts.missing_parts,
            (std::array<std::size_t, k_missing_parts.size()>{0, 0, 0, 1, 0}));
}

TEST_F(FleetStateTest, RevisionMovesOnlyOnChange) {
  const auto doc = cc_doc("a", k_now).dump();
  m_state.apply(batch({update("a", Probe::cc, doc)}));
  const auto r1 = m_state.snapshot()->revision;
  m_state.apply(batch({update("a", Probe::cc, doc)}));  // identical rewrite
  EXPECT_EQ(m_state.snapshot()->revision, r1);
  m_state.apply(batch({update("a", Probe::cc, cc_doc("a", k_now, "tdx").dump())}));
  EXPECT_EQ(m_state.snapshot()->revision, r1 + 1);
  m_state.apply(batch({removal("a", Probe::cc)}));
  EXPECT_EQ(m_state.snapshot()->revision, r1 + 2);
  EXPECT_TRUE(m_state.snapshot()->rows.empty());  // no document left: the node is gone
  m_state.apply(batch({removal("a", Probe::cc)}));
  EXPECT_EQ(m_state.snapshot()->revision, r1 + 2);
}

TEST_F(FleetStateTest, TurnsStaleWhenTimePassesWithoutWrites) {
  m_state.apply(batch({update("a", Probe::cc, cc_doc("a", k_5_min_ago).dump()),
                       update("a", Probe::tpm, tpm_doc("a", k_now).dump())}));
  const auto r1 = m_state.snapshot()->revision;
  m_clock.advance(20min);
  m_state.tick();
  EXPECT_EQ(m_state.snapshot()->revision, r1);  // 25 min old: still fresh
  m_clock.advance(6min);
  m_state.tick();
  const auto snap = m_state.snapshot();
  EXPECT_EQ(snap->revision, r1 + 1);
  EXPECT_TRUE(snap->rows[0].stale);
  EXPECT_EQ(snap->rows[0].state, RowState::stale);
  EXPECT_EQ(snap->counts.stale, 1U);
}

TEST_F(FleetStateTest, FullResyncDropsWhatTheSourceNoLongerHas) {
  m_state.apply(batch({update("a", Probe::cc, cc_doc("a", k_now).dump()),
                       update("b", Probe::cc, cc_doc("b", k_now).dump()),
                       update("b", Probe::tpm, tpm_doc("b", k_now).dump())}));
  m_state.apply(batch({update("b", Probe::cc, cc_doc("b", k_now).dump())}), true);
  const auto snap = m_state.snapshot();
  ASSERT_EQ(snap->rows.size(), 1U);
  EXPECT_EQ(snap->rows[0].name, "b");
  EXPECT_TRUE(snap->rows[0].missing_tpm);
}

// A re-list marks what the model already holds as unchanged instead of carrying a second
// copy; the resync keeps those slots, applies the rest and drops what was not listed.
TEST_F(FleetStateTest, HoldsAndUnchangedMarkersInAFullResync) {
  const std::string a_cc = cc_doc("a", k_now, "tdx").dump();
  m_state.apply(
      batch({update("a", Probe::cc, a_cc), update("b", Probe::cc, cc_doc("b", k_now).dump()),
             update("c", Probe::tpm, "{broken")}));
  const auto before = m_state.snapshot()->revision;

  EXPECT_TRUE(m_state.holds(update("a", Probe::cc, a_cc)));
  EXPECT_FALSE(m_state.holds(update("a", Probe::cc, cc_doc("a", k_now, "sev").dump())));
  EXPECT_FALSE(m_state.holds(update("a", Probe::tpm, tpm_doc("a", k_now).dump())));
  EXPECT_FALSE(m_state.holds(update("z", Probe::cc, cc_doc("z", k_now).dump())));
  EXPECT_TRUE(m_state.holds(update("c", Probe::tpm, "{broken")));  // same invalid reason
  EXPECT_FALSE(m_state.holds(removal("a", Probe::cc)));

  // Nothing changed: markers only, no new revision.
  auto kept = update("a", Probe::cc, a_cc);
  kept.unchanged = true;
  kept.document = fail(ErrorKind::not_found, "unchanged");
  auto kept_b = update("b", Probe::cc, cc_doc("b", k_now).dump());
  kept_b.unchanged = true;
  auto kept_c = update("c", Probe::tpm, "{broken");
  kept_c.unchanged = true;
  m_state.apply(batch({kept, kept_b, kept_c}), /*full_resync=*/true);
  EXPECT_EQ(m_state.snapshot()->revision, before);
  ASSERT_NE(m_state.snapshot()->find("a"), nullptr);
  EXPECT_EQ(m_state.snapshot()->find("a")->mode, 4);  // still tdx: the kept slot

  // b unchanged, a changed, c not listed: a updated, b kept, c dropped.
  m_state.apply(batch({update("a", Probe::cc, cc_doc("a", k_now, "sev").dump()), kept_b}),
                /*full_resync=*/true);
  const auto snap = m_state.snapshot();
  EXPECT_GT(snap->revision, before);
  EXPECT_EQ(snap->rows.size(), 2U);
  EXPECT_EQ(snap->find("c"), nullptr);
  ASSERT_NE(snap->find("b"), nullptr);
  EXPECT_TRUE(m_state.holds(update("a", Probe::cc, cc_doc("a", k_now, "sev").dump())));
}

TEST_F(FleetStateTest, WaitersWakeOnChangeAndShutdown) {
  const auto r0 = m_state.snapshot()->revision;
  std::thread writer(
      [&] { m_state.apply(batch({update("a", Probe::cc, cc_doc("a", k_now).dump())})); });
  EXPECT_EQ(m_state.wait_for_revision(r0, 10s), r0 + 1);
  writer.join();
  EXPECT_EQ(m_state.wait_for_revision(r0 + 1, 1ms), r0 + 1);  // timeout: unchanged
  std::thread stopper([&] { m_state.shutdown(); });
  m_state.wait_for_revision(r0 + 1, 10s);
  stopper.join();
  EXPECT_TRUE(m_state.shutting_down());
}

TEST_F(FleetStateTest, DocumentsFromTheFutureAreInvalid) {
  // BUG-5: a clock far ahead would keep a dead node green for ever.
  m_state.apply(batch({
      update("soon", Probe::cc, cc_doc("soon", "2026-05-12T10:04:59Z").dump()),
      update("far", Probe::cc, cc_doc("far", "2100-01-01T00:00:00Z").dump()),
      update("skew", Probe::cc, cc_doc("skew", "2026-05-12T10:05:01Z").dump()),
  }));
  const auto snap = m_state.snapshot();
  EXPECT_TRUE(snap->find("soon")->invalid_reasons.empty());
  for (const char* node : {"far", "skew"}) {
    const Row* row = snap->find(node);
    ASSERT_NE(row, nullptr) << node;
    EXPECT_EQ(row->state, RowState::invalid) << node;
    EXPECT_EQ(row->invalid_reasons,
              std::vector<std::string>{"cc: generatedAt: more than 5 minutes in the future"});
    EXPECT_FALSE(row->last_seen) << node;
  }
}

TEST_F(FleetStateTest, ReadyAfterMark) {
  EXPECT_FALSE(m_state.ready());
  m_state.mark_ready();
  EXPECT_TRUE(m_state.ready());
}

}  // namespace
}  // namespace ztp::fleet
