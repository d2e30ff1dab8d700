// The verifier's verdicts in the fleet (src/fleet/attest_document.h): every attest.v1 rule,
// the vocabulary kept in step with the schema, the row, the counts, the ?attested= filter,
// the node detail, the metrics and the dir source's file name.
#include "fleet/attest_document.h"

#include <gtest/gtest.h>

#include <functional>

#include "fleet/fleet_state.h"
#include "fleet/metrics.h"
#include "fleet/node_query.h"
#include "fleet/render.h"
#include "fleet_docs.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;
using nlohmann::ordered_json;

// FixedClock's wall time is 2026-05-12T10:00:00Z.
constexpr const char* k_now = "2026-05-12T10:00:00Z";

ordered_json verdict(const std::string& node, bool attested, const char* reason = nullptr) {
  ordered_json j = {{"apiVersion", "ztp-prem.tlsstress.art/v1"},
                    {"kind", "AttestStatus"},
                    {"node", node},
                    {"attested", attested},
                    {"group", "workers"},
                    {"when", k_now}};
  if (reason != nullptr) {
    j["reason"] = reason;
  }
  return j;
}

TEST(AttestDocument, VocabularyIsTheSchemas) {
  const auto schema = ordered_json::parse(ztp::testing::read_file(
      std::filesystem::path(ZTP_SOURCE_DIR) / "schema/attest.v1.schema.json"));
  std::vector<std::string> reasons;
  for (const auto& r : schema["properties"]["reason"]["enum"]) {
    reasons.push_back(r.get<std::string>());
  }
  EXPECT_EQ(reasons, std::vector<std::string>(k_attest_reasons.begin(), k_attest_reasons.end()));
  std::vector<std::string> properties;
  for (const auto& [key, value] : schema["properties"].items()) {
    properties.push_back(key);
  }
  EXPECT_EQ(properties, (std::vector<std::string>{"apiVersion", "kind", "node", "attested", "group",
                                                  "when", "reason"}));
}

TEST(AttestDocument, AcceptsBothVerdicts) {
  auto yes = parse_status_document(verdict("n1", true).dump(2), Probe::attest, "n1");
  ASSERT_TRUE(yes) << yes.error().message;
  EXPECT_EQ(yes->probe, Probe::attest);
  EXPECT_TRUE(yes->attested);
  EXPECT_EQ(yes->attest_reason, -1);
  EXPECT_EQ(yes->compact, verdict("n1", true).dump());  // whitespace dropped, order kept
  auto no =
      parse_status_document(verdict("n1", false, "secret-unknown").dump(), Probe::attest, "n1");
  ASSERT_TRUE(no) << no.error().message;
  EXPECT_FALSE(no->attested);
  EXPECT_EQ(k_attest_reasons[static_cast<std::size_t>(no->attest_reason)], "secret-unknown");
}

TEST(AttestDocument, RefusesEveryBrokenRuleWithoutQuotingValues) {
  const std::string planted = "sha256:PLANTED00";
  const std::vector<std::pair<std::function<void(ordered_json&)>, std::string>> cases = {
      {[](ordered_json& j) { j["apiVersion"] = "v2"; }, "apiVersion"},
      {[](ordered_json& j) { j["kind"] = "CCStatus"; }, "kind"},
      {[](ordered_json& j) { j["node"] = "other"; }, "node"},
      {[](ordered_json& j) { j["node"] = "Not_A_Node"; }, "node"},
      {[](ordered_json& j) { j["attested"] = "yes"; }, "attested"},
      {[](ordered_json& j) { j.erase("attested"); }, "attested"},
      {[](ordered_json& j) { j["group"] = "UPPER"; }, "group"},
      {[](ordered_json& j) { j["group"] = std::string(201, 'g'); }, "group"},
      {[](ordered_json& j) { j["when"] = "2026-05-12T10:00:00.5Z"; }, "when"},
      {[](ordered_json& j) { j["reason"] = "digest-not-approved"; }, "reason: given"},
      {[&](ordered_json& j) { j["digest"] = planted; }, "unknown property"},
      {[&](ordered_json& j) {
         j["group"] = ordered_json{{"x", planted}};
       },
       "nested"},
  };
  for (const auto& [mutate, want] : cases) {
    ordered_json j = verdict("n1", true);
    mutate(j);
    auto r = parse_status_document(j.dump(), Probe::attest, "n1");
    ASSERT_FALSE(r) << want;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("PLANTED"), std::string::npos);
  }
  ordered_json no_reason = verdict("n1", false);
  EXPECT_FALSE(parse_status_document(no_reason.dump(), Probe::attest, "n1"));
  EXPECT_FALSE(parse_status_document(verdict("n1", false, "nonce-invalid").dump(), Probe::attest,
                                     "n1"));  // never published: outside the vocabulary
  for (const std::string& bad :
       {std::string(), std::string("{\"kind\":"), std::string("[]"),
        std::string(R"({"node":"n1","node":"n1"})"), std::string(5000, ' ') + "{}"}) {
    EXPECT_FALSE(parse_status_document(bad, Probe::attest, "n1")) << bad.substr(0, 40);
  }
}

TEST(AttestDocument, FileNamesFollowTheDirContract) {
  const auto f = parse_document_file_name("worker-1.attest.json");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->node, "worker-1");
  EXPECT_EQ(f->probe, Probe::attest);
  EXPECT_EQ(document_file_name("worker-1", Probe::attest), "worker-1.attest.json");
  EXPECT_EQ(to_string(Probe::attest), "attest");
  EXPECT_FALSE(parse_document_file_name(".attest.json"));
}

using testing::update;

class AttestFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<DocumentUpdate> batch;
    for (const char* node : {"a", "b", "c", "d"}) {
      batch.push_back(update(node, Probe::cc, testing::cc_doc(node, k_now, "sev-snp").dump()));
      batch.push_back(update(node, Probe::tpm, testing::tpm_doc(node, k_now).dump()));
    }
    batch.push_back(update("a", Probe::attest, verdict("a", true).dump()));
    batch.push_back(update("b", Probe::attest, verdict("b", false, "digest-not-approved").dump()));
    batch.push_back(update("c", Probe::attest, R"({"digest":"sha256:PLANTED"})"));
    m_state.apply(std::move(batch));
  }
  testing::FixedClock m_clock;
  FleetState m_state{m_clock, 30min};
};

TEST_F(AttestFleetTest, RowCountsDetailAndMetrics) {
  const auto snap = m_state.snapshot();
  const Row* a = snap->find("a");
  const Row* b = snap->find("b");
  const Row* c = snap->find("c");
  const Row* d = snap->find("d");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->attestation, 1);
  EXPECT_EQ(a->state, RowState::ok);  // a verdict does not make a row partial or stale
  EXPECT_EQ(b->attestation, 0);
  EXPECT_EQ(c->attestation, -1);
  EXPECT_EQ(c->state, RowState::invalid);
  ASSERT_EQ(c->invalid_reasons.size(), 1U);
  EXPECT_EQ(c->invalid_reasons[0].rfind("attest: ", 0), 0U);
  EXPECT_EQ(d->attestation, -1);
  EXPECT_EQ(d->state, RowState::ok);  // no verdict is not a missing document

  EXPECT_EQ(row_json(*b)["attestation"], (ordered_json{{"attested", false},
                                                       {"group", "workers"},
                                                       {"when", k_now},
                                                       {"reason", "digest-not-approved"}}));
  EXPECT_TRUE(row_json(*d)["attestation"].is_null());
  const auto fleet = ordered_json::parse(snap->fleet_json);
  EXPECT_EQ(fleet["attestation"],
            (ordered_json{{"attested", 1},
                          {"refused", 1},
                          {"none", 2},
                          {"reasons", {{"digest-not-approved", 1}, {"secret-unknown", 0}}}}));
  EXPECT_EQ(node_detail_json(*a)["attest"], verdict("a", true));
  EXPECT_TRUE(node_detail_json(*d)["attest"].is_null());
  const std::string metrics = metrics_text(snap->counts);
  EXPECT_NE(metrics.find(R"(ztp_prem_fleet_attestation_nodes{verdict="attested"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(ztp_prem_fleet_attestation_nodes{verdict="none"} 2)"),
            std::string::npos);
  for (const auto& text : {snap->fleet_json, metrics, node_detail_json(*c).dump()}) {
    EXPECT_EQ(text.find("PLANTED"), std::string::npos);
  }
}

TEST_F(AttestFleetTest, AttestedFilter) {
  const auto snap = m_state.snapshot();
  const auto names = [&](const char* value) {
    auto q = parse_node_query({{"attested", value}});
    EXPECT_TRUE(q);
    std::vector<std::string> out;
    const auto page = run_node_query(*snap, *q);
    for (const auto& row : page["items"]) {
      out.push_back(row["name"].get<std::string>());
    }
    return out;
  };
  EXPECT_EQ(names("true"), std::vector<std::string>{"a"});
  EXPECT_EQ(names("false"), std::vector<std::string>{"b"});
  EXPECT_EQ(names("none"), (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(parse_node_query({{"attested", "yes"}}));
}

TEST_F(AttestFleetTest, RemovingTheVerdictKeepsTheNode) {
  DocumentUpdate gone;
  gone.node = "a";
  gone.probe = Probe::attest;
  gone.removed = true;
  m_state.apply({gone});
  const Row* a = m_state.snapshot()->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->attestation, -1);
  // A node only the verifier knows is listed, without probe documents (partial).
  m_state.apply({update("e", Probe::attest, verdict("e", true).dump())});
  const Row* e = m_state.snapshot()->find("e");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, RowState::partial);
  EXPECT_EQ(e->attestation, 1);
}

}  // namespace
}  // namespace ztp::fleet
