#include "fleet/enforcement_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "enforcement_docs.h"
#include "fleet/enforcement_file.h"
#include "fleet/fleet_server.h"
#include "fleet/metrics.h"
#include "testlib/fixed_clock.h"
#include "testlib/http_client.h"
#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using ojson = nlohmann::ordered_json;

ojson report() { return testing::enforcement_report(); }

std::string reason_for(const ojson& r) {
  auto parsed = parse_enforcement_report(r.dump());
  return parsed ? std::string("valid") : parsed.error().message;
}

TEST(EnforcementReport, TheSchemaUsesOnlyKeywordsTheValidatorKnows) {
  const auto schema = ojson::parse(enforcement_schema());
  ASSERT_TRUE(schema.is_object());
  EXPECT_TRUE(check_against_schema(report(), schema));
  // Something the validator cannot check is a fault of the build, never "valid".
  auto wider = schema;
  wider["properties"]["mode"]["oneOf"] = ojson::array();
  const auto r = check_against_schema(report(), wider);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(r.error().message, "schema: keyword oneOf is not implemented");
}

TEST(EnforcementReport, AcceptsWhatPreflightWrites) {
  EXPECT_EQ(reason_for(report()), "valid");
  auto empty = report();
  empty["clear"] = true;
  empty["tierB"] = {{"namespaces", 0},
                    {"pods", 0},
                    {"wouldRefuse", 0},
                    {"onIneligibleNodes", 0},
                    {"mirrorPods", 0}};
  empty["namespaces"] = ojson::array();
  empty["findings"] = ojson::array();
  EXPECT_EQ(reason_for(empty), "valid");
}

TEST(EnforcementReport, SchemaFailuresNameThePlaceNeverTheValue) {
  struct Case {
    std::function<void(ojson&)> edit;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {[](ojson& r) { r.erase("clear"); }, "report: missing clear"},
      {[](ojson& r) { r["kind"] = "PLANTED"; }, "report.kind: must be \"EnforcementPreflight\""},
      {[](ojson& r) { r["mode"] = "PLANTED-mode"; }, "report.mode: not one of the schema's words"},
      {[](ojson& r) { r["nodes"]["eligible"] = "2"; },
       "report.nodes.eligible: must be of type integer"},
      {[](ojson& r) { r["nodes"]["eligible"] = -1; }, "report.nodes.eligible: below the minimum 0"},
      {[](ojson& r) { r["PLANTED-serial"] = 1; }, "report: a property the schema does not allow"},
      {[](ojson& r) {
         r["nodes"]["ineligibleByReason"] = {{"PLANTED", 1}};
       },
       "report.nodes.ineligibleByReason: a key the schema does not allow"},
      {[](ojson& r) { r["nodes"]["ineligibleByReason"]["stale"] = 0; },
       "report.nodes.ineligibleByReason[key]: below the minimum 1"},
      {[](ojson& r) { r["findings"][0]["issues"][1] = "PLANTED"; },
       "report.findings[0].issues[1]: not one of the schema's words"},
      {[](ojson& r) { r["generatedAt"] = "PLANTED"; },
       "report.generatedAt: does not match "
       "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
      {[](ojson& r) {
         r["findings"] = ojson::array();
         for (int i = 0; i < 201; ++i) {
           r["findings"].push_back(report()["findings"][0]);
         }
       },
       "report.findings: more than 200 items"},
  };
  for (const auto& c : cases) {
    auto r = report();
    c.edit(r);
    const std::string reason = reason_for(r);
    EXPECT_EQ(reason, c.reason);
    EXPECT_EQ(reason.find("PLANTED"), std::string::npos) << reason;
  }
  EXPECT_EQ(parse_enforcement_report("{\"PLANTED\": ").error().message, "report: not JSON");
  EXPECT_EQ(parse_enforcement_report(std::string(k_max_enforcement_report_bytes + 1, ' '))
                .error()
                .message,
            "report: larger than 1048576 bytes");
}

TEST(EnforcementReport, ContradictoryCountsAreInvalid) {
  const std::vector<std::pair<std::function<void(ojson&)>, std::string>> cases = {
      {[](ojson& r) { r["nodes"]["total"] = 4; },
       "report.nodes: eligible and ineligibleByReason do not add up to total"},
      {[](ojson& r) { r["tierB"]["namespaces"] = 3; },
       "report.namespaces: not as many as tierB.namespaces"},
      {[](ojson& r) { r["namespaces"][1]["pods"] = 2; },
       "report.namespaces: the pods of the namespaces do not add up to tierB's"},
      {[](ojson& r) { r["clear"] = true; },
       "report.clear: contradicts tierB.wouldRefuse and tierB.onIneligibleNodes"},
      {[](ojson& r) { r["tierB"]["mirrorPods"] = 5; }, "report.tierB: mirrorPods exceeds pods"},
      {[](ojson& r) { r["generatedAt"] = "2026-13-45T10:00:00Z"; },
       "report.generatedAt: not a date and time"},
  };
  for (const auto& [edit, reason] : cases) {
    auto r = report();
    edit(r);
    EXPECT_EQ(reason_for(r), reason);
  }
}

// The workload figures are optional (reports of older writers lack them, the fixture
// included); present, they must add up like the pods'.
ojson with_workloads() {
  auto r = report();
  r["tierB"]["workloads"] = 3;
  r["tierB"]["workloadsWouldRefuse"] = 1;
  r["namespaces"][0]["workloads"] = 2;
  r["namespaces"][0]["workloadsWouldRefuse"] = 1;
  r["namespaces"][1]["workloads"] = 1;
  r["namespaces"][1]["workloadsWouldRefuse"] = 0;
  r["workloads"] = ojson::array({{{"kind", "Deployment"},
                                  {"namespace", "payments"},
                                  {"name", "api"},
                                  {"issues", {"no-placement"}},
                                  {"why", "no runtimeClassName"}}});
  r["workloadsTruncated"] = false;
  return r;
}

TEST(EnforcementReport, WorkloadCountsAreCheckedWhenPresent) {
  EXPECT_EQ(reason_for(with_workloads()), "valid");
  const std::vector<std::pair<std::function<void(ojson&)>, std::string>> cases = {
      {[](ojson& r) { r["namespaces"][1]["workloads"] = 2; },
       "report.namespaces: the workloads of the namespaces do not add up to tierB's"},
      {[](ojson& r) { r["namespaces"][0].erase("workloadsWouldRefuse"); },
       "report.namespaces: the workloadsWouldRefuse of the namespaces do not add up to tierB's"},
      {[](ojson& r) {
         r["tierB"]["workloads"] = 0;
         r["namespaces"][0]["workloads"] = 0;
         r["namespaces"][1]["workloads"] = 0;
       },
       "report.tierB: workloadsWouldRefuse exceeds workloads"},
      {[](ojson& r) { r["workloads"] = ojson::array(); },
       "report.workloads: not as many as tierB.workloadsWouldRefuse"},
      {[](ojson& r) { r["workloads"][0]["kind"] = "PLANTED"; },
       "report.workloads[0].kind: not one of the schema's words"},
      {[](ojson& r) { r["workloads"][0]["issues"] = {"bound-to-ineligible"}; },
       "report.workloads[0].issues[0]: not one of the schema's words"},
      {[](ojson& r) {
         r["tierB"]["wouldRefuse"] = 0;
         r["tierB"]["onIneligibleNodes"] = 0;
         r["namespaces"][0]["wouldRefuse"] = 0;
         r["namespaces"][0]["onIneligibleNodes"] = 0;
         r["clear"] = true;
       },
       "report.clear: contradicts tierB.workloadsWouldRefuse"},
  };
  for (const auto& [edit, reason] : cases) {
    auto r = with_workloads();
    edit(r);
    EXPECT_EQ(reason_for(r), reason);
  }
  // Truncated: the list may be shorter than the count, never longer.
  auto cut = with_workloads();
  cut["workloads"] = ojson::array();
  cut["workloadsTruncated"] = true;
  EXPECT_EQ(reason_for(cut), "valid");
}

TEST(EnforcementReports, ServesValidFiguresAndCountsOnlyChanges) {
  EnforcementReports reports(ReportSource::configmap);
  std::vector<std::uint64_t> announced;
  reports.on_change([&](std::uint64_t r) { announced.push_back(r); });
  auto view = reports.current();
  EXPECT_EQ(view->status, ReportStatus::pending);
  EXPECT_EQ(ojson::parse(view->body)["reason"], "the source has not been read yet");

  reports.set_bytes(report().dump());
  view = reports.current();
  ASSERT_EQ(view->status, ReportStatus::valid);
  ASSERT_TRUE(view->figures);
  EXPECT_EQ(view->figures->eligible_nodes, 2U);
  EXPECT_EQ(view->figures->on_ineligible_nodes, 1U);
  EXPECT_EQ(view->figures->mode, "advisory");
  const auto body = ojson::parse(view->body);
  EXPECT_EQ(body["status"], "valid");
  EXPECT_EQ(body["source"], "configmap");
  EXPECT_EQ(body["report"], report());  // as published, key order kept
  EXPECT_FALSE(body.contains("reason"));

  reports.set_bytes(report().dump());  // a re-list: nothing changed
  EXPECT_EQ(reports.current()->revision, view->revision);
  auto bad = report();
  bad["mode"] = "PLANTED";
  reports.set_bytes(bad.dump());
  view = reports.current();
  EXPECT_EQ(view->status, ReportStatus::invalid);
  EXPECT_FALSE(view->figures);
  EXPECT_FALSE(ojson::parse(view->body).contains("report"));
  EXPECT_EQ(view->body.find("PLANTED"), std::string::npos);
  reports.set_absent("gone");
  reports.set_absent("gone");
  EXPECT_EQ(reports.current()->status, ReportStatus::absent);
  EXPECT_EQ(announced, (std::vector<std::uint64_t>{2, 3, 4}));
}

TEST(EnforcementReports, MetricsCarryFiguresOnlyWhileValid) {
  EnforcementReports reports(ReportSource::file);
  reports.set_bytes(report().dump());
  std::string text = enforcement_metrics_text(*reports.current());
  for (const char* line :
       {"ztp_prem_tierb_pods_on_ineligible_nodes 1", "ztp_prem_tierb_eligible_nodes 2",
        "ztp_prem_tierb_nodes 3", "ztp_prem_tierb_pods_would_refuse 1",
        "ztp_prem_enforcement_report_status{status=\"valid\"} 1",
        "ztp_prem_enforcement_report_status{status=\"invalid\"} 0"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  reports.set_invalid("unreadable");
  text = enforcement_metrics_text(*reports.current());
  EXPECT_EQ(text.find("ztp_prem_tierb_"), std::string::npos);
  EXPECT_NE(text.find("ztp_prem_enforcement_report_status{status=\"invalid\"} 1"),
            std::string::npos);
}

TEST(EnforcementFile, FollowsTheFileInTheSourceDirectory) {
  testing::TempTree dir;
  EnforcementReports reports(ReportSource::file);
  EnforcementFile file(dir.root(), reports);
  file.poll();
  EXPECT_EQ(reports.current()->status, ReportStatus::absent);
  EXPECT_NE(reports.current()->body.find("no enforcement.json in the source directory"),
            std::string::npos);

  dir.write("enforcement.json", report().dump());
  file.poll();
  ASSERT_EQ(reports.current()->status, ReportStatus::valid);
  const auto revision = reports.current()->revision;
  file.poll();  // unchanged: not read again
  EXPECT_EQ(reports.current()->revision, revision);

  // Half-written (a shell redirect in progress): invalid, then valid once complete.
  const std::string text = report().dump();
  dir.write("enforcement.json", text.substr(0, text.size() / 2));
  file.poll();
  EXPECT_EQ(reports.current()->status, ReportStatus::invalid);
  dir.write("enforcement.json.tmp", text + "\n");
  std::filesystem::rename(dir.root() / "enforcement.json.tmp", dir.root() / "enforcement.json");
  file.poll();
  EXPECT_EQ(reports.current()->status, ReportStatus::valid);

  std::filesystem::remove(dir.root() / "enforcement.json");
  dir.write("elsewhere.json", text);
  dir.symlink("elsewhere.json", "enforcement.json");  // never followed
  file.poll();
  EXPECT_EQ(reports.current()->status, ReportStatus::invalid);
  std::filesystem::remove(dir.root() / "enforcement.json");
  file.poll();
  EXPECT_EQ(reports.current()->status, ReportStatus::absent);
}

TEST(EnforcementFile, ItsThreadSeesAChangeWithinTheInterval) {
  testing::TempTree dir;
  EnforcementReports reports(ReportSource::file);
  EnforcementFile file(dir.root(), reports, std::chrono::milliseconds(20));
  file.start();
  EXPECT_EQ(reports.current()->status, ReportStatus::absent);  // the first look is at start
  dir.write("enforcement.json", report().dump());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reports.current()->status != ReportStatus::valid &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reports.current()->status, ReportStatus::valid);
  file.stop();
}

// GET /api/v1/enforcement, /metrics and the event stream on a real server.
class EnforcementServer {
 public:
  explicit EnforcementServer(std::shared_ptr<EnforcementReports> reports) {
    ServerOptions options;
    options.port = 0;
    options.event_interval = std::chrono::milliseconds(10);
    options.heartbeat = std::chrono::milliseconds(200);
    options.enforcement = std::move(reports);
    m_server = std::make_unique<FleetServer>(m_state, DashboardAssets{}, options);
    m_port = m_server->bind().value_or(0);
    m_thread = std::thread([this] { m_server->serve(); });
  }
  ~EnforcementServer() {
    m_server->stop();
    m_thread.join();
  }
  testing::HttpClient client() const { return testing::HttpClient(m_port); }

 private:
  testing::FixedClock m_clock;
  FleetState m_state{m_clock, std::chrono::minutes(30)};
  std::unique_ptr<FleetServer> m_server;
  int m_port = 0;
  std::thread m_thread;
};

TEST(EnforcementApi, ServesTheReportItsMetricsAndAnnouncesChanges) {
  auto reports = std::make_shared<EnforcementReports>(ReportSource::configmap);
  reports->set_absent("no ConfigMap");
  EnforcementServer server(reports);
  auto c = server.client();
  auto res = c.get("/api/v1/enforcement");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(ojson::parse(res.body),
            ojson::parse(R"({"revision":2,"status":"absent","source":"configmap",)"
                         R"("reason":"no ConfigMap"})"));
  EXPECT_EQ(c.get("/metrics").body.find("ztp_prem_tierb_"), std::string::npos);

  // A new report reaches open event streams as `event: enforcement`.
  std::thread writer;
  std::string buffer;
  std::optional<std::uint64_t> announced;
  c.stream("/api/v1/events", [&](std::string_view data) {
    buffer.append(data);
    if (!writer.joinable()) {  // the stream is open (its first event arrived)
      writer = std::thread([&] { reports->set_bytes(report().dump()); });
    }
    constexpr std::string_view k_event = "event: enforcement\ndata: ";
    const auto at = buffer.find(k_event);
    const auto end = at == std::string::npos ? at : buffer.find("\n\n", at);
    if (end != std::string::npos) {
      const auto from = at + k_event.size();
      announced = ojson::parse(buffer.substr(from, end - from))["revision"];
    }
    return !announced;
  });
  writer.join();
  EXPECT_EQ(announced, 3U);
  res = c.get("/api/v1/enforcement");
  const auto body = ojson::parse(res.body);
  EXPECT_EQ(body["status"], "valid");
  EXPECT_EQ(body["revision"], 3);
  EXPECT_EQ(body["report"], report());
  const auto metrics = c.get("/metrics").body;
  EXPECT_NE(metrics.find("ztp_prem_tierb_pods_on_ineligible_nodes 1"), std::string::npos);
  EXPECT_NE(metrics.find("ztp_prem_tierb_eligible_nodes 2"), std::string::npos);
  EXPECT_NE(metrics.find("ztp_prem_fleet_nodes 0"), std::string::npos);  // still all there
}

TEST(EnforcementApi, WithoutASourceTheReportIsAbsent) {
  EnforcementServer server(nullptr);
  const auto res = server.client().get("/api/v1/enforcement");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_EQ(ojson::parse(res.body)["status"], "absent");
  EXPECT_EQ(ojson::parse(res.body)["source"], "none");
}

}  // namespace
}  // namespace ztp::fleet
