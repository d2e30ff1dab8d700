// --source k8s against the TLS fake API server: paged list, watch, delete, 410 re-list,
// dropped connections with backoff, invalid documents, prompt stop.
#include "fleet/k8s_source.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sstream>

#include "common/clock.h"
#include "enforcement_docs.h"
#include "fleet_docs.h"
#include "k8s/fake_apiserver.h"
#include "k8s/tls_transport.h"
#include "testlib/json_lines.h"
#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;
using ztp::testing::FakeApiServer;
using ztp::testing::Fault;

const ztp::testing::TestPki& pki() { return ztp::testing::shared_test_pki(); }

constexpr const char* k_ns = "ztp-prem";

std::string now_text() { return format_rfc3339(std::chrono::system_clock::now()); }

class K8sSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_server.set_tokens({"fleet-token"});
    m_server.start();
    m_sa.write("token", "fleet-token\n");
    m_stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ASSERT_GE(m_stop_fd, 0);
  }
  void TearDown() override {
    m_source.reset();
    ::close(m_stop_fd);
  }

  // What an agent pair publishes for one node (labels as src/publish/k8s_sink.cpp).
  void publish(const std::string& node, std::optional<std::string> cc,
               std::optional<std::string> tpm, const std::string& ns = k_ns) {
    std::map<std::string, std::string> data;
    if (cc) {
      data[k_cc_key] = *cc;
    }
    if (tpm) {
      data[k_tpm_key] = *tpm;
    }
    m_server.put_configmap(ns, "ztp-prem-" + node,
                           {{"app.kubernetes.io/part-of", "ztp-prem"}, {k_node_label, node}},
                           std::move(data));
  }
  void publish_valid(const std::string& node, const std::string& mode = "sev-snp") {
    publish(node, testing::cc_doc(node, now_text(), mode).dump(),
            testing::tpm_doc(node, now_text()).dump());
  }

  void start(std::size_t page_limit = 500) {
    k8s::TlsOptions tls;
    tls.host = "127.0.0.1";
    tls.port = std::to_string(m_server.port());
    tls.ca_pem = pki().ca_cert;
    tls.timeout = 2s;
    tls.cancel_fd = m_stop_fd;
    auto transport = k8s::TlsTransport::create(tls);
    ASSERT_TRUE(transport) << transport.error().message;
    m_transport = std::move(*transport);
    K8sSourceOptions options;
    options.namespace_name = k_ns;
    options.credentials.token_file = m_sa.root() / "token";
    options.page_limit = page_limit;
    options.backoff_initial = 20ms;
    options.backoff_max = 200ms;
    options.tick = 50ms;
    options.seed = 7;
    options.enforcement = &m_enforcement;
    m_source = std::make_unique<K8sSource>(*m_transport, m_state, m_log, options, m_stop_fd);
    m_source->start();
  }

  template <class Pred>
  std::shared_ptr<const Snapshot> wait_until(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto snap = m_state.snapshot();
    while (!pred(*snap) && std::chrono::steady_clock::now() < deadline) {
      m_state.wait_for_revision(snap->revision, 50ms);
      snap = m_state.snapshot();
    }
    return snap;
  }
  // Waits until the fake has a watch open (the list is done and events will be seen).
  void wait_for_watch() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (m_server.open_watches() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_GT(m_server.open_watches(), 0U);
  }
  std::size_t count_requests(const std::string& needle) const {
    std::size_t n = 0;
    for (const auto& r : m_server.requests()) {
      n += r.target.find(needle) != std::string::npos ? 1U : 0U;
    }
    return n;
  }

  FakeApiServer m_server{pki()};
  testing::TempTree m_sa;
  SystemClock m_clock;
  FleetState m_state{m_clock, 30min};
  EnforcementReports m_enforcement{ReportSource::configmap};
  std::ostringstream m_log_text;  // read only once the source is stopped
  log::Logger m_log{m_log_text, m_clock};
  int m_stop_fd = -1;
  std::unique_ptr<k8s::TlsTransport> m_transport;
  std::unique_ptr<K8sSource> m_source;
};

TEST_F(K8sSourceTest, PagedListFillsTheModelThenReady) {
  for (int i = 0; i < 7; ++i) {
    publish_valid("node-" + std::to_string(i), i % 2 == 0 ? "sev-snp" : "none");
  }
  publish("half", testing::cc_doc("half", now_text()).dump(), std::nullopt);
  // Not ours: other label, other namespace.
  m_server.put_configmap(k_ns, "kube-root-ca.crt", {}, {{"ca.crt", "x"}});
  m_server.put_configmap("elsewhere", "ztp-prem-x",
                         {{"app.kubernetes.io/part-of", "ztp-prem"}, {k_node_label, "x"}},
                         {{k_cc_key, testing::cc_doc("x", now_text()).dump()}});
  start(/*page_limit=*/3);
  const auto snap = wait_until([&](const Snapshot&) { return m_state.ready(); });
  ASSERT_TRUE(m_state.ready());
  ASSERT_EQ(snap->rows.size(), 8U);
  EXPECT_EQ(snap->counts.invalid_nodes, 0U);
  const Row* half = snap->find("half");
  ASSERT_NE(half, nullptr);
  EXPECT_TRUE(half->missing_tpm);
  EXPECT_FALSE(half->missing_cc);
  EXPECT_EQ(snap->find("x"), nullptr);
  // 8 matching ConfigMaps in pages of 3: three list requests, the later two with continue.
  EXPECT_EQ(count_requests("limit=3"), 3U);
  EXPECT_EQ(count_requests("continue="), 2U);
  for (const auto& r : m_server.requests()) {
    EXPECT_NE(r.target.find("labelSelector=app.kubernetes.io%2Fpart-of%3Dztp-prem"),
              std::string::npos);
    EXPECT_EQ(r.headers.at("authorization"), "Bearer fleet-token");
  }
  EXPECT_EQ(m_source->counters().lists.load(), 1U);
}

TEST_F(K8sSourceTest, WatchAppliesChangesAndDeletes) {
  publish_valid("a");
  publish_valid("b");
  start();
  wait_until([&](const Snapshot& s) { return s.rows.size() == 2; });
  wait_for_watch();
  const auto& requests = m_server.requests();
  const auto watch = std::find_if(requests.begin(), requests.end(), [](const auto& r) {
    return r.target.find("watch=true") != std::string::npos;
  });
  ASSERT_NE(watch, requests.end());
  EXPECT_NE(watch->target.find("allowWatchBookmarks=true"), std::string::npos);
  EXPECT_NE(watch->target.find("resourceVersion="), std::string::npos);

  // A change: a's CC mode flips to tdx.
  publish("a", testing::cc_doc("a", now_text(), "tdx").dump(),
          testing::tpm_doc("a", now_text()).dump());
  auto snap = wait_until([](const Snapshot& s) {
    const Row* a = s.find("a");
    return a != nullptr && a->cc_document && a->cc_document->find("\"tdx\"") != std::string::npos;
  });
  ASSERT_NE(snap->find("a"), nullptr);
  EXPECT_NE(snap->find("a")->cc_document->find("\"tdx\""), std::string::npos);
  // A new node, then a delete.
  publish_valid("c");
  snap = wait_until([](const Snapshot& s) { return s.find("c") != nullptr; });
  EXPECT_NE(snap->find("c"), nullptr);
  m_server.delete_configmap(k_ns, "ztp-prem-b");
  snap = wait_until([](const Snapshot& s) { return s.find("b") == nullptr; });
  EXPECT_EQ(snap->find("b"), nullptr);
  EXPECT_EQ(snap->rows.size(), 2U);
  // One key removed: that probe's document goes, the node stays with it missing.
  publish("c", std::nullopt, testing::tpm_doc("c", now_text()).dump());
  snap = wait_until([](const Snapshot& s) { return s.find("c") && s.find("c")->missing_cc; });
  EXPECT_TRUE(snap->find("c")->missing_cc);
  // Bookmarks move the resourceVersion without touching the model.
  const auto revision = snap->revision;
  m_server.send_bookmark();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(m_state.snapshot()->revision, revision);
  EXPECT_EQ(m_source->counters().lists.load(), 1U);
}

// The controller's report (ConfigMap ztp-prem-enforcement, part-of label, no node label)
// arrives with the list and the watch; it is never taken for a node's ConfigMap.
TEST_F(K8sSourceTest, TheEnforcementReportFollowsItsConfigMap) {
  publish_valid("a");
  start();
  wait_until([&](const Snapshot&) { return m_state.ready(); });
  wait_for_watch();
  EXPECT_EQ(m_enforcement.current()->status, ReportStatus::absent);
  EXPECT_NE(m_enforcement.current()->body.find("no ConfigMap ztp-prem-enforcement in namespace "
                                               "ztp-prem"),
            std::string::npos);
  const auto wait_for = [&](ReportStatus status) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (m_enforcement.current()->status != status &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    return m_enforcement.current()->status;
  };
  const std::map<std::string, std::string> labels = {{"app.kubernetes.io/part-of", "ztp-prem"}};
  m_server.put_configmap(k_ns, "ztp-prem-enforcement", labels,
                         {{"report.json", testing::enforcement_report().dump()}});
  EXPECT_EQ(wait_for(ReportStatus::valid), ReportStatus::valid);
  EXPECT_EQ(m_enforcement.current()->figures->on_ineligible_nodes, 1U);
  m_server.put_configmap(k_ns, "ztp-prem-enforcement", labels, {{"other", "x"}});
  EXPECT_EQ(wait_for(ReportStatus::invalid), ReportStatus::invalid);
  EXPECT_NE(m_enforcement.current()->body.find("has no key report.json"), std::string::npos);
  m_server.delete_configmap(k_ns, "ztp-prem-enforcement");
  EXPECT_EQ(wait_for(ReportStatus::absent), ReportStatus::absent);
  // Created again (the controller is back).
  m_server.put_configmap(k_ns, "ztp-prem-enforcement", labels,
                         {{"report.json", testing::enforcement_report().dump()}});
  EXPECT_EQ(wait_for(ReportStatus::valid), ReportStatus::valid);
  EXPECT_EQ(m_state.snapshot()->find("enforcement"), nullptr);
  EXPECT_EQ(m_state.snapshot()->rows.size(), 1U);
}

TEST_F(K8sSourceTest, PageOverTheResponseCapIsAskedForAgainAtHalfTheSize) {
  // Four ConfigMaps of 1.5 MiB each (an extra key the fleet ignores): a page of four is over
  // the transport's 4 MiB cap, a page of two is not.
  for (const std::string node : {"a", "b", "c", "d"}) {
    m_server.put_configmap(k_ns, "ztp-prem-" + node,
                           {{"app.kubernetes.io/part-of", "ztp-prem"}, {k_node_label, node}},
                           {{k_cc_key, testing::cc_doc(node, now_text()).dump()},
                            {"padding", std::string(1536 * 1024, 'x')}});
  }
  start(/*page_limit=*/4);
  const auto snap =
      wait_until([&](const Snapshot& s) { return s.rows.size() == 4 && m_state.ready(); });
  EXPECT_EQ(snap->rows.size(), 4U);
  EXPECT_TRUE(m_state.ready());
  EXPECT_EQ(count_requests("limit=4"), 1U);
  EXPECT_EQ(count_requests("limit=2"), 2U);  // the same list goes on at the smaller size
  EXPECT_EQ(m_source->counters().failures.load(), 0U);
  m_source->stop();
  const auto halved = testing::log_events(m_log_text.str(), "fleet.k8s.list_page_halved");
  ASSERT_EQ(halved.size(), 1U) << m_log_text.str();
  EXPECT_EQ(halved[0]["limit"], 2);
  EXPECT_EQ(halved[0]["level"], "info");
}

TEST_F(K8sSourceTest, AWatchBurstIsPublishedInBatchesNotPerEvent) {
  start();
  wait_until([&](const Snapshot&) { return m_state.ready(); });
  wait_for_watch();
  const auto before = m_state.snapshot()->revision;
  constexpr int k_burst = 200;
  for (int i = 0; i < k_burst; ++i) {
    publish_valid("burst-" + std::to_string(i));
  }
  const auto snap =
      wait_until([&](const Snapshot& s) { return s.rows.size() == std::size_t{k_burst}; });
  ASSERT_EQ(snap->rows.size(), std::size_t{k_burst});
  // Every event arrived; far fewer snapshots than events were built (one per batch).
  EXPECT_EQ(m_source->counters().events.load(), std::uint64_t{k_burst});
  EXPECT_LT(snap->revision - before, std::uint64_t{k_burst} / 2);
}

TEST_F(K8sSourceTest, GoneTriggersAFullRelist) {
  publish_valid("a");
  publish_valid("b");
  start();
  wait_until([&](const Snapshot& s) { return s.rows.size() == 2; });
  wait_for_watch();
  // While the history is compacted, b disappears and d appears with no event anyone saw:
  // only a new list can know.
  m_server.compact();
  auto snap = wait_until([&](const Snapshot&) { return m_source->counters().lists >= 2; });
  EXPECT_GE(m_source->counters().gone.load(), 1U);
  EXPECT_GE(m_source->counters().lists.load(), 2U);
  // Events after the re-list flow again.
  wait_for_watch();
  publish_valid("d");
  snap = wait_until([](const Snapshot& s) { return s.find("d") != nullptr; });
  EXPECT_NE(snap->find("d"), nullptr);
}

TEST_F(K8sSourceTest, ExpiredWatchResourceVersionRelistsAndDropsVanishedNodes) {
  publish_valid("a");
  publish_valid("b");
  start();
  wait_until([&](const Snapshot& s) { return s.rows.size() == 2; });
  wait_for_watch();
  // Outage: the server goes away, b is deleted and the history compacted meanwhile.
  m_server.stop();
  m_server.delete_configmap(k_ns, "ztp-prem-b");
  m_server.compact();
  std::this_thread::sleep_for(100ms);
  m_server.start();
  // The re-watch from the old resourceVersion gets ERROR 410, the re-list drops b.
  const auto snap = wait_until([](const Snapshot& s) { return s.find("b") == nullptr; });
  EXPECT_EQ(snap->find("b"), nullptr);
  EXPECT_NE(snap->find("a"), nullptr);
  EXPECT_GE(m_source->counters().gone.load(), 1U);
  EXPECT_GE(m_source->counters().failures.load(), 1U);
}

// A re-list that finds most documents as the model has them keeps those slots (no second
// copy), applies the one that changed during the outage, and publishes one new revision.
TEST_F(K8sSourceTest, RelistAppliesOnlyWhatChangedDuringTheOutage) {
  for (const char* node : {"a", "b", "c"}) {
    publish_valid(node, "tdx");
  }
  start();
  auto snap = wait_until([&](const Snapshot& s) { return s.rows.size() == 3; });
  wait_for_watch();
  m_server.stop();
  publish_valid("b", "sev");  // changed while nobody watched
  m_server.compact();
  std::this_thread::sleep_for(100ms);
  m_server.start();
  // The list counter moves just after the model swap: wait for both.
  snap = wait_until([&](const Snapshot& s) {
    const Row* b = s.find("b");
    return b != nullptr && b->mode == 1 && m_source->counters().lists >= 2;  // "sev"
  });
  ASSERT_NE(snap->find("b"), nullptr);
  EXPECT_EQ(snap->find("b")->mode, 1);
  for (const char* node : {"a", "c"}) {
    ASSERT_NE(snap->find(node), nullptr) << node;
    EXPECT_EQ(snap->find(node)->mode, 4) << node;  // "tdx", kept
    EXPECT_NE(snap->find(node)->cc_document, nullptr) << node;
  }
  EXPECT_GE(m_source->counters().lists.load(), 2U);
}

TEST_F(K8sSourceTest, DroppedConnectionsAreRetriedWithBackoffAndConverge) {
  publish_valid("a");
  // The first list is dropped, the second answered 500, then one watch is dropped.
  m_server.inject(Fault::dropped());
  m_server.inject(Fault::http(500));
  start();
  auto snap = wait_until([](const Snapshot& s) { return s.find("a") != nullptr; });
  ASSERT_NE(snap->find("a"), nullptr);
  EXPECT_GE(m_source->counters().failures.load(), 2U);
  wait_for_watch();
  // Cut the watch: the server restarts on the same port; a change made while it was down
  // is delivered by the re-watch (its resourceVersion is still in the history).
  m_server.stop();
  publish_valid("e");
  m_server.start();
  snap = wait_until([](const Snapshot& s) { return s.find("e") != nullptr; });
  EXPECT_NE(snap->find("e"), nullptr);
  EXPECT_EQ(snap->rows.size(), 2U);
}

TEST_F(K8sSourceTest, InvalidDocumentsAreListedInvalidNeverCrash) {
  publish("bad", "{not json", std::string(70 * 1024, 'x'));
  publish("wrong-node", testing::cc_doc("someone-else", now_text()).dump(), std::nullopt);
  m_server.put_configmap(k_ns, "ztp-prem-nolabel", {{"app.kubernetes.io/part-of", "ztp-prem"}},
                         {{k_cc_key, testing::cc_doc("nolabel", now_text()).dump()}});
  m_server.put_configmap(k_ns, "ztp-prem-junk",
                         {{"app.kubernetes.io/part-of", "ztp-prem"}, {k_node_label, "-Bad Name-"}},
                         {{k_cc_key, "PLANTED"}});
  start();
  auto snap = wait_until([&](const Snapshot&) { return m_state.ready(); });
  const Row* bad = snap->find("bad");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->state, RowState::invalid);
  EXPECT_EQ(bad->invalid_reasons.size(), 2U);
  const Row* wrong = snap->find("wrong-node");
  ASSERT_NE(wrong, nullptr);
  EXPECT_EQ(wrong->state, RowState::invalid);
  // No node label (a node name too long for one): the ConfigMap name says which node.
  EXPECT_NE(snap->find("nolabel"), nullptr);
  // A node label that is no node name: ignored.
  EXPECT_EQ(snap->rows.size(), 3U);
  EXPECT_EQ(snap->fleet_json.find("PLANTED"), std::string::npos);
  // An invalid document arriving by watch.
  wait_for_watch();
  publish("a", "[]", std::nullopt);
  snap = wait_until([](const Snapshot& s) { return s.find("a") != nullptr; });
  ASSERT_NE(snap->find("a"), nullptr);
  EXPECT_EQ(snap->find("a")->state, RowState::invalid);
}

TEST_F(K8sSourceTest, ForbiddenListBacksOffWithoutData) {
  m_server.forbid({"list"});
  publish_valid("a");
  start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (m_source->counters().failures < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(m_source->counters().failures.load(), 3U);
  EXPECT_FALSE(m_state.ready());
  EXPECT_TRUE(m_state.snapshot()->rows.empty());
  // Permission granted: it recovers without a restart.
  m_server.forbid({});
  const auto snap = wait_until([](const Snapshot& s) { return s.find("a") != nullptr; });
  EXPECT_NE(snap->find("a"), nullptr);
  // Each refusal is one JSON line with the status, never the token.
  m_source->stop();
  const auto failed = testing::log_events(m_log_text.str(), "fleet.k8s.list_failed");
  ASSERT_GE(failed.size(), 3U) << m_log_text.str();
  EXPECT_EQ(failed[0]["level"], "warn");
  EXPECT_EQ(failed[0]["status"], 403);
  EXPECT_EQ(m_log_text.str().find("fleet-token"), std::string::npos);
}

TEST_F(K8sSourceTest, StopEndsAnOpenWatchWithinASecond) {
  publish_valid("a");
  start();
  wait_until([&](const Snapshot& s) { return s.rows.size() == 1; });
  wait_for_watch();
  const auto t0 = std::chrono::steady_clock::now();
  m_source->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(ConfigMapUpdates, NodeFromLabelOrNameAndOneUpdatePerKey) {
  k8s::ConfigMapObject cm;
  cm.name = "ztp-prem-n1";
  cm.labels[k_node_label] = "n1";
  cm.data[k_tpm_key] = "{}";
  auto u = configmap_updates(cm, false);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->node, "n1");
  ASSERT_EQ(u->updates.size(), 3U);    // cc.json, tpm.json, attest.json
  EXPECT_TRUE(u->updates[2].removed);  // no attest.json
  EXPECT_TRUE(u->updates[0].removed);  // no cc.json
  EXPECT_FALSE(u->updates[1].removed);
  EXPECT_FALSE(u->updates[1].document);  // "{}" is no TPMStatus
  auto deleted = configmap_updates(cm, true);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->updates[0].removed && deleted->updates[1].removed);
  cm.labels.clear();
  cm.name = "other";
  EXPECT_FALSE(configmap_updates(cm, false));
}

}  // namespace
}  // namespace ztp::fleet
