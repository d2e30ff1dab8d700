// The verifier's published verdicts (src/attest/verdict.h): the attest.v1 document, the
// dir sink, and the ConfigMap sink against the fake API server over real TLS (server-side
// apply with its own field manager, next to a probe's key; retries; a refusal).
#include "attest/verdict.h"

#include <gtest/gtest.h>

#include "fleet/attest_document.h"
#include "k8s/fake_apiserver.h"
#include "publish/k8s_sink.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::attest {
namespace {

using namespace std::chrono_literals;
using ztp::testing::FakeApiServer;
using ztp::testing::Fault;
using ztp::testing::TempTree;

constexpr const char* k_ns = "ztp-prem";
constexpr const char* k_token = "verifier-token";

std::chrono::system_clock::time_point at(std::string_view text) {
  return parse_rfc3339(text).value();
}

VerdictRecord attested() { return {"worker-1", "workers", true, "", at("2026-12-02T05:00:00Z")}; }
VerdictRecord refused() {
  return {"worker-2", "workers", false, "digest-not-approved", at("2026-12-02T05:00:01Z")};
}

std::string fixture(const std::string& name) {
  return ztp::testing::read_file(std::filesystem::path(ZTP_SOURCE_DIR) / "testdata/attest" / name);
}

TEST(Verdict, DocumentIsTheSchemaFixtureByteForByte) {
  // testdata/attest/*.json are what tests/schema/attest_schema_test.py validates.
  EXPECT_EQ(verdict_json(attested()), fixture("verdict-attested.json"));
  EXPECT_EQ(verdict_json(refused()), fixture("verdict-refused.json"));
}

TEST(Verdict, TheFleetAcceptsWhatTheVerifierWrites) {
  auto yes = fleet::parse_attest_document(verdict_json(attested()), "worker-1");
  ASSERT_TRUE(yes) << yes.error().message;
  EXPECT_TRUE(yes->attested);
  EXPECT_EQ(yes->attest_group, "workers");
  EXPECT_EQ(yes->generated_at, at("2026-12-02T05:00:00Z"));
  auto no = fleet::parse_attest_document(verdict_json(refused()), "worker-2");
  ASSERT_TRUE(no) << no.error().message;
  EXPECT_FALSE(no->attested);
  EXPECT_EQ(fleet::k_attest_reasons[static_cast<std::size_t>(no->attest_reason)],
            "digest-not-approved");
}

TEST(VerdictPublisher, DirSinkReplacesTheNodesFile) {
  TempTree dir;
  std::vector<std::string> failures;
  VerdictPublisher::Options options;
  options.dir = dir.root();
  VerdictPublisher publisher(options, [&](std::string_view sink, std::string_view reason) {
    failures.push_back(std::string(sink) + ": " + std::string(reason));
  });
  VerdictRecord v = refused();
  publisher.publish(v);
  EXPECT_EQ(ztp::testing::read_file(dir.root() / "worker-2.attest.json"), verdict_json(v));
  v.attested = true;
  v.reason.clear();
  publisher.publish(v);
  EXPECT_EQ(ztp::testing::read_file(dir.root() / "worker-2.attest.json"), verdict_json(v));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.root())) {
    ++files;  // no temp file left behind
  }
  EXPECT_EQ(files, 1U);
  EXPECT_TRUE(failures.empty());
  EXPECT_TRUE(publisher.flush(1s));  // nothing pending without a ConfigMap sink
}

TEST(VerdictPublisher, DirSinkFailureIsReportedWithoutAValue) {
  TempTree dir;
  std::vector<std::string> failures;
  VerdictPublisher::Options options;
  options.dir = dir.root() / "gone";
  VerdictPublisher publisher(options, [&](std::string_view sink, std::string_view reason) {
    failures.push_back(std::string(sink) + ": " + std::string(reason));
  });
  publisher.publish(refused());
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0].rfind("dir: ", 0), 0U);
  EXPECT_EQ(failures[0].find("digest-not-approved"), std::string::npos);
}

class VerdictConfigMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_server.set_tokens({k_token});
    m_server.start();
    m_dir.write("ca.pem", ztp::testing::shared_test_pki().ca_cert);
    m_dir.write("token", std::string(k_token) + "\n");
    m_dir.write("kubeconfig", ztp::testing::kubeconfig_for(m_server, k_ns, "verifier"));
  }

  // The path `ztp-prem-attest serve --publish k8s --kubeconfig F` takes.
  VerdictPublisher::Options options() {
    publish::ClusterAccess access;
    access.kubeconfig = (m_dir.root() / "kubeconfig").string();
    access.user_agent = "ztp-prem-attest/test";
    access.timeout = 2s;
    auto cluster = publish::connect_configmaps(access);
    EXPECT_TRUE(cluster) << cluster.error().message;
    VerdictPublisher::Options o;
    o.k8s = VerdictPublisher::K8s{cluster->client, cluster->namespace_name};
    o.backoff_initial = 20ms;
    o.backoff_max = 100ms;
    return o;
  }
  VerdictPublisher::OnFailure record() {
    return [this](std::string_view sink, std::string_view reason) {
      const std::lock_guard lock(m_mutex);
      m_failures.push_back(std::string(sink) + ": " + std::string(reason));
    };
  }
  std::size_t failures() {
    const std::lock_guard lock(m_mutex);
    return m_failures.size();
  }

  FakeApiServer m_server{ztp::testing::shared_test_pki()};
  TempTree m_dir;
  std::mutex m_mutex;
  std::vector<std::string> m_failures;
};

TEST_F(VerdictConfigMapTest, OwnKeyAndManagerNextToTheProbesKeys) {
  m_server.put_configmap(
      k_ns, "ztp-prem-worker-2",
      {{"app.kubernetes.io/part-of", "ztp-prem"}, {"ztp-prem.tlsstress.art/node", "worker-2"}},
      {{"cc.json", "CC"}});
  VerdictPublisher publisher(options(), record());
  publisher.publish(refused());
  ASSERT_TRUE(publisher.flush(5s));
  auto cm = m_server.configmap(k_ns, "ztp-prem-worker-2");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->data.at("attest.json"), verdict_json(refused()));
  EXPECT_EQ(cm->data.at("cc.json"), "CC");  // the probe's key is untouched
  EXPECT_EQ(cm->data_owners.at("attest.json"), std::set<std::string>{"ztp-prem-attest"});
  // A node the probes have not published yet: the verifier creates its ConfigMap, labelled
  // so the fleet's label selector lists it.
  publisher.publish(attested());
  ASSERT_TRUE(publisher.flush(5s));
  cm = m_server.configmap(k_ns, "ztp-prem-worker-1");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->labels.at("app.kubernetes.io/part-of"), "ztp-prem");
  EXPECT_EQ(cm->labels.at("ztp-prem.tlsstress.art/node"), "worker-1");
  EXPECT_EQ(cm->data.at("attest.json"), verdict_json(attested()));
  EXPECT_EQ(failures(), 0U);
}

TEST_F(VerdictConfigMapTest, RetriesAnUnavailableServerThenApplies) {
  m_server.inject(Fault::http(503));
  m_server.inject(Fault::dropped());
  VerdictPublisher publisher(options(), record());
  publisher.publish(refused());
  ASSERT_TRUE(publisher.flush(10s));
  auto cm = m_server.configmap(k_ns, "ztp-prem-worker-2");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->data.at("attest.json"), verdict_json(refused()));
  EXPECT_EQ(failures(), 2U);
}

TEST_F(VerdictConfigMapTest, RefusalIsReportedAndDroppedNotRetried) {
  m_server.forbid({"patch"});
  VerdictPublisher publisher(options(), record());
  publisher.publish(refused());
  ASSERT_TRUE(publisher.flush(5s));
  EXPECT_FALSE(m_server.configmap(k_ns, "ztp-prem-worker-2"));
  EXPECT_EQ(failures(), 1U);
  const std::lock_guard lock(m_mutex);
  EXPECT_NE(m_failures[0].find("k8s: "), std::string::npos);
}

}  // namespace
}  // namespace ztp::attest
