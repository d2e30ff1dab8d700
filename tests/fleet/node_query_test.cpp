#include "fleet/node_query.h"

#include <gtest/gtest.h>

#include <tuple>

#include "fleet/fleet_state.h"
#include "fleet_docs.h"
#include "testlib/fixed_clock.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;

class NodeQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<DocumentUpdate> updates;
    const auto add = [&](const std::string& node, Probe probe, const std::string& bytes) {
      DocumentUpdate u;
      u.node = node;
      u.probe = probe;
      u.document = parse_status_document(bytes, probe, node);
      updates.push_back(std::move(u));
    };
    // n0..n9: modes alternate tdx/none, the last three are an hour old (stale).
    for (int i = 0; i < 10; ++i) {
      const std::string node = "n" + std::to_string(i);
      const std::string at =
          i >= 7 ? "2026-05-12T09:00:00Z" : "2026-05-12T09:5" + std::to_string(i) + ":00Z";
      add(node, Probe::cc, testing::cc_doc(node, at, i % 2 == 0 ? "tdx" : "none").dump());
      add(node, Probe::tpm,
          testing::tpm_doc(node, at, i < 5 ? "tpm2-rm" : "absent", i < 5 ? "ready" : "none")
              .dump());
    }
    m_state.apply(std::move(updates));
  }

  nlohmann::ordered_json query(QueryParams params) {
    const auto q = parse_node_query(params);
    EXPECT_TRUE(q) << q.error().message;
    return run_node_query(*m_state.snapshot(), *q);
  }

  std::vector<std::string> names(const nlohmann::ordered_json& page) {
    std::vector<std::string> out;
    for (const auto& item : page["items"]) {
      out.push_back(item["name"]);
    }
    return out;
  }

  testing::FixedClock m_clock;
  FleetState m_state{m_clock, 30min};
};

TEST_F(NodeQueryTest, FiltersCombine) {
  const auto page = query({{"mode", "tdx"}, {"family", "absent"}});
  EXPECT_EQ(names(page), (std::vector<std::string>{"n6", "n8"}));
  EXPECT_EQ(page["total"], 2);
  EXPECT_TRUE(page["continue"].is_null());
  EXPECT_EQ(query({{"stale", "true"}})["total"], 3);
  EXPECT_EQ(query({{"stale", "false"}, {"readiness", "ready"}})["total"], 5);
  EXPECT_EQ(query({{"wave", "wave-1"}})["total"], 10);
  EXPECT_EQ(query({{"wave", "wave-9"}})["total"], 0);
  EXPECT_EQ(names(query({{"q", "5"}})), (std::vector<std::string>{"n5"}));
}

TEST_F(NodeQueryTest, FiltersByMissingPart) {
  // n0..n4 are ready (nothing missing); n5..n9 lack eventLog. Give n1 and n6 other parts.
  std::vector<DocumentUpdate> updates;
  for (const auto& [node, family, parts] :
       std::vector<std::tuple<std::string, std::string, nlohmann::ordered_json>>{
           {"n1", "tpm2-raw", {"resourceManager", "eventLog"}},
           {"n6", "absent", {"tpm2", "driver"}}}) {
    auto doc = testing::tpm_doc(node, "2026-05-12T09:55:00Z", family,
                                family == "tpm2-raw" ? "partial" : "none");
    doc["readiness"]["missing"] = parts;
    DocumentUpdate u;
    u.node = node;
    u.probe = Probe::tpm;
    u.document = parse_status_document(doc.dump(), Probe::tpm, node);
    ASSERT_TRUE(u.document) << u.document.error().message;
    updates.push_back(std::move(u));
  }
  m_state.apply(std::move(updates));

  EXPECT_EQ(names(query({{"missing", "eventLog"}})),
            (std::vector<std::string>{"n1", "n5", "n7", "n8", "n9"}));
  EXPECT_EQ(names(query({{"missing", "resourceManager"}})), (std::vector<std::string>{"n1"}));
  EXPECT_EQ(names(query({{"missing", "driver"}})), (std::vector<std::string>{"n6"}));
  EXPECT_EQ(query({{"missing", "hardwareChip"}})["total"], 0);
  // Combined with the other filters and the sort.
  EXPECT_EQ(names(query({{"missing", "eventLog"}, {"stale", "true"}})),
            (std::vector<std::string>{"n7", "n8", "n9"}));
  EXPECT_EQ(names(query({{"missing", "eventLog"}, {"mode", "none"}, {"sort", "-name"}})),
            (std::vector<std::string>{"n9", "n7", "n5", "n1"}));
  // The summary counts what the filter lists.
  const auto& counts = m_state.snapshot()->counts.missing_parts;
  for (std::size_t i = 0; i < k_missing_parts.size(); ++i) {
    EXPECT_EQ(query({{"missing", std::string(k_missing_parts[i])}})["total"], counts[i])
        << k_missing_parts[i];
  }
  // A continue token carries the part: it is not good for another part.
  const auto page = query({{"missing", "eventLog"}, {"limit", "2"}});
  const std::string token = page["continue"];
  EXPECT_EQ(names(query({{"missing", "eventLog"}, {"limit", "2"}, {"continue", token}})),
            (std::vector<std::string>{"n7", "n8"}));
  EXPECT_FALSE(parse_node_query({{"missing", "tpm2"}, {"limit", "2"}, {"continue", token}}));
}

TEST_F(NodeQueryTest, SortsWithTiesByName) {
  EXPECT_EQ(names(query({{"sort", "-name"}, {"limit", "3"}})),
            (std::vector<std::string>{"n9", "n8", "n7"}));
  EXPECT_EQ(names(query({{"sort", "mode"}, {"limit", "2"}})),
            (std::vector<std::string>{"n1", "n3"}));  // none before tdx (vocabulary order)
  EXPECT_EQ(names(query({{"sort", "lastSeen"}, {"limit", "4"}})),
            (std::vector<std::string>{"n7", "n8", "n9", "n0"}));
  EXPECT_EQ(names(query({{"sort", "-lastSeen"}, {"limit", "1"}})),
            (std::vector<std::string>{"n6"}));
  EXPECT_EQ(names(query({{"sort", "family"}}))[0], "n0");
  EXPECT_EQ(names(query({{"sort", "readiness"}}))[9], "n9");
}

TEST_F(NodeQueryTest, PagesFollowTheContinueToken) {
  std::vector<std::string> all;
  std::string token;
  int pages = 0;
  do {
    QueryParams params{{"limit", "4"}, {"mode", "none"}};
    if (!token.empty()) {
      params.emplace("continue", token);
    }
    const auto page = query(params);
    EXPECT_EQ(page["total"], 5);
    for (const auto& n : names(page)) {
      all.push_back(n);
    }
    token = page["continue"].is_null() ? "" : page["continue"].get<std::string>();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(all, (std::vector<std::string>{"n1", "n3", "n5", "n7", "n9"}));
}

TEST_F(NodeQueryTest, BadValuesAreRejectedWithReasons) {
  const auto first = query({{"limit", "2"}});
  const std::string token = first["continue"];
  const std::vector<QueryParams> bad = {
      {{"mode", "sev-tio"}},
      {{"family", "tpm3"}},
      {{"readiness", "yes"}},
      {{"missing", "firmware"}},
      {{"missing", ""}},
      {{"missing", "EventLog"}},
      {{"missing", "eventLog"}, {"missing", "tpm2"}},
      {{"stale", "1"}},
      {{"sort", "wave"}},
      {{"limit", "0"}},
      {{"limit", "1001"}},
      {{"limit", "ten"}},
      {{"colour", "red"}},
      {{"mode", "tdx"}, {"mode", "none"}},
      {{"continue", "garbage"}},
      {{"continue", token}, {"mode", "tdx"}},  // a token from another query
  };
  for (const auto& params : bad) {
    const auto q = parse_node_query(params);
    EXPECT_FALSE(q) << params.begin()->first << "=" << params.begin()->second;
    if (!q) {
      EXPECT_EQ(q.error().kind, ErrorKind::bad_input);
      EXPECT_FALSE(q.error().message.empty());
    }
  }
  EXPECT_TRUE(parse_node_query({{"continue", token}, {"limit", "2"}}));
  const auto reason = parse_node_query({{"missing", "firmware"}});
  ASSERT_FALSE(reason);
  EXPECT_EQ(reason.error().message,
            "missing: must be one of tpm2 driver hardwareChip resourceManager eventLog");
}

TEST_F(NodeQueryTest, RowsCarryTheContractFields) {
  const auto row = query({{"q", "n8"}})["items"][0];
  EXPECT_EQ(row["mode"], "tdx");
  EXPECT_EQ(row["family"], "absent");
  EXPECT_EQ(row["readiness"], "none");
  EXPECT_EQ(row["missingParts"], nlohmann::ordered_json({"eventLog"}));
  EXPECT_EQ(row["state"], "stale");
  EXPECT_EQ(row["stale"], true);
  EXPECT_EQ(row["missing"], nlohmann::ordered_json::array());
  EXPECT_EQ(row["lastSeen"], "2026-05-12T09:00:00Z");
  EXPECT_EQ(row["hostCapabilities"], nlohmann::ordered_json({"sev", "sev-snp"}));
}

}  // namespace
}  // namespace ztp::fleet
