#include "fleet/fleet_server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "fleet_docs.h"
#include "testlib/fixed_clock.h"
#include "testlib/http_client.h"
#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A server on a free loopback port, serving a small fleet.
class ServerFixture {
 public:
  explicit ServerFixture(ServerOptions options = {}, DashboardAssets dashboard = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.event_interval = 10ms;
    options.heartbeat = 200ms;
    m_server = std::make_unique<FleetServer>(m_state, std::move(dashboard), options);
    const auto port = m_server->bind();
    EXPECT_TRUE(port);
    m_port = port.value_or(0);
    m_thread = std::thread([this] { m_server->serve(); });
  }
  ~ServerFixture() {
    m_server->stop();
    m_thread.join();
  }

  void add(const std::string& node, Probe probe, const std::string& bytes) {
    DocumentUpdate u;
    u.node = node;
    u.probe = probe;
    u.document = parse_status_document(bytes, probe, node);
    std::vector<DocumentUpdate> batch;
    batch.push_back(std::move(u));
    m_state.apply(std::move(batch));
  }

  testing::HttpClient client() const { return testing::HttpClient(m_port); }

  testing::FixedClock m_clock;
  FleetState m_state{m_clock, 30min};
  std::unique_ptr<FleetServer> m_server;
  int m_port = 0;
  std::thread m_thread;
};

void expect_security_headers(const testing::HttpReply& res) {
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.header("Content-Security-Policy").value_or(""), k_content_security_policy);
  EXPECT_EQ(res.header("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(res.header("Referrer-Policy").value_or(""), "no-referrer");
  EXPECT_EQ(res.header("X-Frame-Options").value_or(""), "DENY");
  EXPECT_FALSE(res.has_header("Access-Control-Allow-Origin"));
}

constexpr const char* k_now = "2026-05-12T10:00:00Z";

TEST(FleetServer, ServesTheApi) {
  ServerFixture f;
  f.add("a", Probe::cc, testing::cc_doc("a", k_now, "tdx").dump());
  f.add("a", Probe::tpm, testing::tpm_doc("a", k_now).dump());
  f.add("b", Probe::cc, "not json");
  auto c = f.client();

  auto res = c.get("/api/v1/fleet");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type").value_or(""), "application/json");
  expect_security_headers(res);
  const auto fleet = json::parse(res.body);
  EXPECT_EQ(fleet["nodes"], 2);
  EXPECT_EQ(fleet["invalid"], 1);
  EXPECT_EQ(fleet["cc"]["modes"]["tdx"], 1);
  EXPECT_EQ(fleet["tpm"]["families"]["tpm2-rm"], 1);
  EXPECT_EQ(fleet["tpm"]["missing"], 1);
  // a's TPM document (fleet_docs.h) is partial, missing eventLog; every part is listed.
  EXPECT_EQ(fleet["tpm"]["missingParts"], (json{{"tpm2", 0},
                                                {"driver", 0},
                                                {"hardwareChip", 0},
                                                {"resourceManager", 0},
                                                {"eventLog", 1}}));

  res = c.get("/api/v1/nodes?mode=tdx");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(json::parse(res.body)["total"], 1);
  res = c.get("/api/v1/nodes?mode=bogus");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 400);
  EXPECT_TRUE(json::parse(res.body)["error"].is_string());
  res = c.get("/api/v1/nodes?missing=eventLog&mode=tdx");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["items"][0]["name"], "a");
  EXPECT_EQ(json::parse(c.get("/api/v1/nodes?missing=tpm2").body)["total"], 0);
  res = c.get("/api/v1/nodes?missing=firmware");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(json::parse(res.body)["error"],
            "missing: must be one of tpm2 driver hardwareChip resourceManager eventLog");

  res = c.get("/api/v1/nodes/a");
  ASSERT_NE(res.status, 0) << res.error;
  const auto detail = json::parse(res.body);
  EXPECT_EQ(detail["row"]["name"], "a");
  EXPECT_EQ(detail["cc"]["mode"], "tdx");
  EXPECT_EQ(detail["tpm"]["family"], "tpm2-rm");
  res = c.get("/api/v1/nodes/b");
  EXPECT_TRUE(json::parse(res.body)["cc"].is_null());
  EXPECT_EQ(json::parse(res.body)["row"]["state"], "invalid");
  res = c.get("/api/v1/nodes/zzz");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(json::parse(res.body)["error"], "unknown node");
  res = c.get("/api/v1/nothing");
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(json::parse(res.body).contains("error"));

  res = c.get("/metrics");
  ASSERT_NE(res.status, 0) << res.error;
  for (const char* metric :
       {"ztp_prem_fleet_nodes 2", "ztp_prem_fleet_cc_mode_nodes{mode=\"tdx\"} 1",
        "ztp_prem_fleet_tpm_family_nodes{family=\"tpm2-rm\"} 1",
        "ztp_prem_fleet_tpm_readiness_nodes{readiness=\"partial\"} 1",
        "ztp_prem_fleet_stale_nodes 0", "ztp_prem_fleet_invalid_documents 1",
        "ztp_prem_fleet_tpm_missing_part_nodes{part=\"eventLog\"} 1",
        "ztp_prem_fleet_tpm_missing_part_nodes{part=\"tpm2\"} 0"}) {
    EXPECT_NE(res.body.find(metric), std::string::npos) << metric;
  }
  res = c.get("/api/v1/openapi.json");
  EXPECT_EQ(json::parse(res.body)["openapi"], "3.0.3");
  EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST(FleetServer, ReadyOnlyAfterTheInitialScan) {
  ServerFixture f;
  auto c = f.client();
  EXPECT_EQ(c.get("/readyz").status, 503);
  f.m_state.mark_ready();
  EXPECT_EQ(c.get("/readyz").status, 200);
}

TEST(FleetServer, BearerTokenGuardsTheApiOnly) {
  ServerOptions options;
  options.token = "s3cret-token";
  ServerFixture f(options);
  auto c = f.client();
  auto res = c.get("/api/v1/fleet");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.header("WWW-Authenticate").value_or(""), "Bearer");
  EXPECT_EQ(c.get("/api/v1/fleet", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(c.get("/api/v1/fleet", {{"Authorization", "Bearer s3cret-token"}}).status, 200);
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/admin/ztp-prem").status, 200);
}

TEST(FleetServer, ServesTheDashboardWithSecurityHeaders) {
  testing::TempTree dist;
  dist.write("index.html", "<!doctype html><script type=module src=/admin/ztp-prem/assets/app.js>");
  dist.write("assets/app.js", "console.log(1)");
  auto assets = DashboardAssets::load(dist.root());
  ASSERT_TRUE(assets);
  ServerFixture f({}, std::move(*assets));
  auto c = f.client();
  for (const char* path : {"/admin/ztp-prem", "/admin/ztp-prem/", "/admin/ztp-prem/nodes/a"}) {
    const auto res = c.get(path);
    ASSERT_NE(res.status, 0) << path;
    EXPECT_EQ(res.status, 200) << path;
    EXPECT_TRUE(res.body.starts_with("<!doctype html>")) << path;
    EXPECT_EQ(res.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    expect_security_headers(res);
  }
  auto res = c.get("/admin/ztp-prem/assets/app.js");
  EXPECT_EQ(res.body, "console.log(1)");
  EXPECT_EQ(res.header("Content-Type").value_or(""), "text/javascript; charset=utf-8");
  EXPECT_EQ(res.header("Cache-Control").value_or(""), "public, max-age=31536000, immutable");
  EXPECT_EQ(c.get("/admin/ztp-prem/assets/missing.js").status, 404);
  EXPECT_EQ(c.get("/admin/ztp-prem/assets/../../../etc/passwd").status, 404);
  EXPECT_EQ(c.get("/").status, 302);
}

TEST(FleetServer, SaysWhenTheDashboardIsNotBuilt) {
  ServerFixture f;
  const auto res = f.client().get("/admin/ztp-prem");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("dashboard is not built"), std::string::npos);
  expect_security_headers(res);
}

TEST(FleetServer, EventsStreamRevisions) {
  ServerFixture f;
  std::vector<std::uint64_t> revisions;
  std::string buffer;
  std::thread writer;
  auto c = f.client();
  const auto res = c.stream("/api/v1/events", [&](std::string_view data) {
    buffer.append(data);
    std::size_t end = 0;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      const std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      if (event.starts_with("event: fleet\ndata: ")) {
        revisions.push_back(json::parse(event.substr(19))["revision"]);
      }
    }
    if (revisions.size() == 1 && !writer.joinable()) {
      writer = std::thread([&] { f.add("a", Probe::cc, testing::cc_doc("a", k_now).dump()); });
    }
    return revisions.size() < 2;  // stop after the change arrives
  });
  writer.join();
  ASSERT_EQ(revisions.size(), 2U);
  EXPECT_EQ(revisions[1], revisions[0] + 1);
}

TEST(FleetServer, ServesTls) {
  testing::TempTree dir;
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-keyout " +
      dir.str() + "/key.pem -out " + dir.str() + "/cert.pem >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    GTEST_SKIP() << "openssl command not available";
  }
  ServerOptions options;
  options.tls_cert_file = dir.str() + "/cert.pem";
  options.tls_key_file = dir.str() + "/key.pem";
  ServerFixture f(options);
  testing::HttpClient c(f.m_port, /*tls=*/true);
  const auto res = c.get("/healthz");
  ASSERT_NE(res.status, 0) << res.error;
  EXPECT_EQ(res.status, 200);
}

TEST(FleetServer, ReadinessNamesTheSourceProblem) {
  std::optional<std::string> problem = "source directory '/x' is missing (moved or deleted)";
  ServerOptions options;
  options.source_problem = [&] { return problem; };
  ServerFixture f(options);
  f.m_state.mark_ready();
  auto res = f.client().get("/readyz");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(json::parse(res.body)["error"], *problem);
  problem.reset();
  EXPECT_EQ(f.client().get("/readyz").status, 200);
}

TEST(FleetServer, RefusesForeignHostsAndWrongMethods) {
  ServerOptions options;
  options.allowed_hosts = {"ztp-prem-fleet.ztp-prem.svc"};
  ServerFixture f(options);
  auto c = f.client();
  // BUG-16: a DNS-rebinding page reaches the service under its own name.
  EXPECT_EQ(c.get("/api/v1/nodes", {{"Host", "attacker.example"}}).status, 421);
  EXPECT_EQ(c.get("/api/v1/fleet", {{"Host", "ztp-prem-fleet.ztp-prem.svc:8080"}}).status, 200);
  EXPECT_EQ(c.get("/healthz", {{"Host", "10.0.0.7:8080"}}).status, 200);
  // BUG-20: 405 with Allow; a repeated query parameter is 400.
  const auto res = c.get("/api/v1/fleet", {}, "POST");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("Allow").value_or(""), "GET, HEAD");
  EXPECT_EQ(c.get("/api/v1/nodes?mode=sev&mode=sev").status, 400);
  EXPECT_EQ(c.get("/api/v1/nodes?q=%zz").status, 400);
}

TEST(FleetServer, StreamsNodePagesFromTheSnapshot) {
  ServerFixture f;
  for (int i = 0; i < 300; ++i) {
    const std::string node = "node-" + std::to_string(1000 + i);
    f.add(node, Probe::cc, testing::cc_doc(node, k_now).dump());
  }
  const auto res = f.client().get("/api/v1/nodes?limit=250&sort=-name");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_EQ(res.header("Transfer-Encoding").value_or(""), "chunked");
  const auto page = json::parse(res.body);
  EXPECT_EQ(page["total"], 300);
  ASSERT_EQ(page["items"].size(), 250U);
  EXPECT_EQ(page["items"][0]["name"], "node-1299");
  EXPECT_TRUE(page["continue"].is_string());
  const auto next = f.client().get("/api/v1/nodes?limit=250&sort=-name&continue=" +
                                   page["continue"].get<std::string>());
  EXPECT_EQ(json::parse(next.body)["items"].size(), 50U);
  EXPECT_TRUE(json::parse(next.body)["continue"].is_null());
}

TEST(FleetServer, BadTlsFilesFailAtBind) {
  ServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  testing::FixedClock clock;
  FleetState state(clock, 30min);
  FleetServer server(state, {}, options);
  EXPECT_FALSE(server.bind());
}

}  // namespace
}  // namespace ztp::fleet
