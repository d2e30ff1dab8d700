// The agent against the TLS fake API server, driven through fake time: the
// server goes away for a while and comes back; the agent backs off, survives,
// and what the server ends up holding is the newest document.
#include <gtest/gtest.h>

#include <sstream>

#include "agent/agent.h"
#include "k8s/fake_apiserver.h"
#include "k8s/tls_transport.h"
#include "publish/k8s_sink.h"
#include "testlib/fixed_clock.h"
#include "testlib/temp_tree.h"

namespace ztp::agent {
namespace {

using namespace std::chrono_literals;
using ztp::testing::FakeApiServer;
using ztp::testing::Fault;

const ztp::testing::TestPki& pki() { return ztp::testing::shared_test_pki(); }

struct Rig {
  FakeApiServer server{pki()};
  ztp::testing::TempTree sa;
  ztp::testing::FixedClock clock;
  std::ostringstream log_out;
  log::Logger logger{log_out, clock};
  std::string mode = "none";
  std::unique_ptr<Agent> agent;

  Rig() {
    server.set_tokens({"t"});
    server.start();
    sa.write("token", "t");
    k8s::TlsOptions o;
    o.host = "127.0.0.1";
    o.port = std::to_string(server.port());
    o.ca_pem = pki().ca_cert;
    o.timeout = 2000ms;
    auto transport = std::shared_ptr<k8s::TlsTransport>(std::move(*k8s::TlsTransport::create(o)));
    k8s::Credentials c;
    c.token_file = sa.root() / "token";
    // The client references the transport: keep both alive via the aliasing constructor.
    struct Both {
      std::shared_ptr<k8s::TlsTransport> t;
      k8s::ConfigMapClient client;
    };
    auto both =
        std::make_shared<Both>(Both{transport, k8s::ConfigMapClient(*transport, c, "", "t")});
    auto client = std::shared_ptr<k8s::ConfigMapClient>(both, &both->client);
    Schedule s;
    agent = std::make_unique<Agent>(
        s,
        [this] {
          report::Document d;
          d.envelope.kind = "CCStatus";
          d.envelope.node = "node-1";
          d.envelope.generated_at = clock.wall_now();
          d.envelope.probe = {"ztp-prem-detect", "0.1.0"};
          d.body["mode"] = mode;
          return d;
        },
        std::vector<publish::Sink>{publish::k8s_sink(client, {"ztp-prem", "ztp-prem-detect"})},
        clock, logger, 11);
  }
  // Jumps from deadline to deadline for `total` of fake time.
  void run_for(std::chrono::seconds total) {
    const auto end = clock.monotonic_now() + total;
    while (clock.monotonic_now() < end) {
      const auto next = agent->step();
      ASSERT_GT(next, clock.monotonic_now());
      clock.advance(std::min<std::chrono::nanoseconds>(next - clock.monotonic_now(),
                                                       end - clock.monotonic_now()));
    }
  }
  std::string stored() {
    const auto cm = server.configmap("ztp-prem", "ztp-prem-node-1");
    return cm && cm->data.count("cc.json") > 0 ? cm->data.at("cc.json") : "";
  }
};

TEST(AgentFault, ServerDownThenBackTheNewestDocumentLands) {
  Rig rig;
  rig.run_for(30s);
  ASSERT_NE(rig.stored().find("\"none\""), std::string::npos);
  EXPECT_EQ(rig.agent->stats(0).attempts, 1u);

  rig.server.stop();
  rig.mode = "sev-snp";  // changes while the server is away
  rig.run_for(600s);
  const auto during = rig.agent->stats(0);
  // Backoff 2 s doubling to the 300 s cap, equal jitter: 10 minutes of outage
  // cost a handful of attempts (at most 1+2+4+...: 9 with no jitter at all).
  EXPECT_GE(during.failures, 5u);
  EXPECT_LE(during.failures, 10u);
  EXPECT_EQ(rig.stored().find("sev-snp"), std::string::npos);

  rig.mode = "tdx";  // and again: only the newest may land
  rig.server.start();
  rig.run_for(400s);  // longer than the largest backoff step
  EXPECT_NE(rig.stored().find("\"tdx\""), std::string::npos) << rig.stored();
  EXPECT_EQ(rig.agent->stats(0).consecutive_failures, 0u);
  EXPECT_NE(rig.log_out.str().find("publish.recovered"), std::string::npos);
}

TEST(AgentFault, NoWritesWhileNothingChangesButHeartbeats) {
  Rig rig;
  rig.run_for(3600s);
  const auto cm = rig.server.configmap("ztp-prem", "ztp-prem-node-1");
  ASSERT_TRUE(cm);
  // 60 probes in the hour; the ConfigMap was written by the first and the heartbeats only.
  EXPECT_EQ(rig.agent->documents_produced(), 60u);
  EXPECT_GE(rig.server.configmap_requests(), 6u);
  EXPECT_LE(rig.server.configmap_requests(), 7u);
}

TEST(AgentFault, ThrottledAndFailingServerIsRetriedPolitely) {
  Rig rig;
  rig.server.inject(Fault::http(429, 30));
  rig.server.inject(Fault::http(500));
  rig.server.inject(Fault::dropped());
  rig.server.inject(Fault::http(403));
  rig.agent->step();  // 429: next try in 30 s exactly
  EXPECT_EQ(rig.server.configmap_requests(), 1u);
  rig.clock.advance(29s);
  rig.agent->step();
  EXPECT_EQ(rig.server.configmap_requests(), 1u);
  // The 403 is permanent: the success comes at the next heartbeat (600 s +-10%), not sooner.
  rig.run_for(700s);
  EXPECT_NE(rig.stored().find("\"none\""), std::string::npos);
  EXPECT_EQ(rig.server.configmap_requests(), 5u);  // 429, 500, drop, 403, success
  const std::string log = rig.log_out.str();
  EXPECT_NE(log.find("throttled"), std::string::npos);
}

// --watch against a refusal no retry can fix (an admission policy's 422): the agent reports
// the server's message and tries again only at each heartbeat (600 s +-10%), never faster.
TEST(AgentFault, PermanentRefusalWaitsForTheHeartbeatAndRelaysTheMessage) {
  Rig rig;
  for (int i = 0; i < 4; ++i) {
    rig.server.inject(Fault::refused(
        422, "Invalid", "a ztp-prem agent may write only the ConfigMap of its own node"));
  }
  rig.run_for(1800s);
  // 0 s, then ~600 s, ~1200 s: three attempts in half an hour (backoff would make ~10).
  EXPECT_GE(rig.server.configmap_requests(), 3u);
  EXPECT_LE(rig.server.configmap_requests(), 4u);
  EXPECT_FALSE(rig.server.configmap("ztp-prem", "ztp-prem-node-1"));
  const std::string log = rig.log_out.str();
  EXPECT_NE(log.find("\"publish.refused\""), std::string::npos) << log;
  EXPECT_NE(log.find("rejected: Invalid: a ztp-prem agent may write only the ConfigMap of its own "
                     "node"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("\"publish.failed\""), std::string::npos) << log;
  // Once the cluster allows it, the next heartbeat lands the document.
  rig.run_for(1300s);
  EXPECT_TRUE(rig.server.configmap("ztp-prem", "ztp-prem-node-1"));
  EXPECT_EQ(rig.agent->stats(0).consecutive_failures, 0u);
}

TEST(AgentFault, ForbiddenLogsOneClearLineAndKeepsRunning) {
  Rig rig;
  rig.server.forbid({"create", "patch"});
  rig.run_for(1800s);
  EXPECT_FALSE(rig.server.configmap("ztp-prem", "ztp-prem-node-1"));
  const std::string log = rig.log_out.str();
  const auto first = log.find("needs get, create and patch on configmaps in namespace ztp-prem");
  EXPECT_NE(first, std::string::npos) << log;
  // A 403 is permanent: one attempt per heartbeat (600 s +-10%), not a backoff series.
  EXPECT_LE(rig.server.configmap_requests(), 4u);
  rig.server.forbid({});
  rig.run_for(700s);
  EXPECT_TRUE(rig.server.configmap("ztp-prem", "ztp-prem-node-1"));
}

}  // namespace
}  // namespace ztp::agent
