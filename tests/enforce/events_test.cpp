#include "enforce/events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace ztp::enforce {
namespace {

k8s::PodObject pod(std::string ns, std::string name, std::string node) {
  k8s::PodObject p;
  p.meta.namespace_name = std::move(ns);
  p.meta.name = std::move(name);
  p.node_name = std::move(node);
  p.runtime_class = "ztp-prem-cc";
  return p;
}

Verdicts verdicts() {
  Verdicts v;
  v["cc-1"] = Verdict{true, Reason::eligible, "sev-snp", "CC mode sev-snp"};
  // A detail carrying a value from a document: an Event must never repeat it.
  v["plain-1"] = Verdict{false, Reason::stale, "", "generatedAt PLANTED-2026 is old"};
  v["plain-2"] = Verdict{false, Reason::mode_not_allowed, "", "mode PLANTED"};
  return v;
}

Preflight preflight(const std::vector<k8s::PodObject>& pods) {
  return build_preflight({"cc-1", "plain-1", "plain-2"}, verdicts(), {"team-b"}, pods, "advisory",
                         "2026-12-02T05:00:00Z");
}

TEST(EnforceEvents, NodeEventsSayTheReasonWordOnly) {
  const auto lost = node_event("plain-1", verdicts().at("plain-1"));
  EXPECT_EQ(lost.namespace_name, "default");
  EXPECT_EQ(lost.kind, "Node");
  EXPECT_EQ(lost.type, "Warning");
  EXPECT_EQ(lost.reason, "TierBIneligible");
  EXPECT_EQ(lost.note,
            "node is not eligible for Tier B (stale): label "
            "ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc removed");
  const auto gained = node_event("cc-1", verdicts().at("cc-1"));
  EXPECT_EQ(gained.type, "Normal");
  EXPECT_EQ(gained.reason, "TierBEligible");
}

TEST(EnforceEvents, APodOnAnIneligibleNodeIsReportedOncePerChange) {
  PodEventMemory memory;
  const auto v = verdicts();
  auto events = memory.changes(
      preflight({pod("team-b", "api-0", "plain-1"), pod("team-b", "ok", "cc-1")}), v);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].namespace_name, "team-b");
  EXPECT_EQ(events[0].object_name, "api-0");
  EXPECT_EQ(events[0].reason, "TierBPodOnIneligibleNode");
  EXPECT_EQ(events[0].note,
            "Tier B pod runs on node plain-1, which is not eligible for Tier B (stale)");
  EXPECT_EQ(events[0].note.find("PLANTED"), std::string::npos);
  // The next reconcile sees the same: nothing new.
  EXPECT_TRUE(memory.changes(preflight({pod("team-b", "api-0", "plain-1")}), v).empty());
  // Re-created on another ineligible node: a new Event.
  events = memory.changes(preflight({pod("team-b", "api-0", "plain-2")}), v);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].note.find("plain-2"), std::string::npos);
  EXPECT_NE(events[0].note.find("(mode-not-allowed)"), std::string::npos);
  // Fixed, then broken again: reported again.
  EXPECT_TRUE(memory.changes(preflight({pod("team-b", "api-0", "cc-1")}), v).empty());
  EXPECT_EQ(memory.changes(preflight({pod("team-b", "api-0", "plain-2")}), v).size(), 1U);
}

TEST(EnforceEvents, TheBodyIsAnEventsV1Event) {
  EventRecord e = node_event(std::string(240, 'n'), verdicts().at("plain-1"));
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1764651600123456));
  const auto j = nlohmann::json::parse(event_body(e, at, "ztp-prem-enforce-7d9f"));
  EXPECT_EQ(j["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(j["kind"], "Event");
  EXPECT_EQ(j["metadata"]["namespace"], "default");
  const std::string name = j["metadata"]["name"];
  EXPECT_LE(name.size(), 253U);
  EXPECT_TRUE(std::regex_match(name, std::regex("n{236}\\.[0-9a-f]{16}"))) << name;
  EXPECT_EQ(j["eventTime"], "2025-12-02T05:00:00.123456Z");
  EXPECT_EQ(j["reportingController"], "ztp-prem.tlsstress.art/enforce");
  EXPECT_EQ(j["reportingInstance"], "ztp-prem-enforce-7d9f");
  EXPECT_EQ(
      j["regarding"],
      (nlohmann::json{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", std::string(240, 'n')}}));
  EXPECT_EQ(j["type"], "Warning");
  EXPECT_EQ(j["action"], "Reconcile");
}

}  // namespace
}  // namespace ztp::enforce
