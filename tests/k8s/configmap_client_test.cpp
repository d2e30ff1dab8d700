#include "k8s/configmap_client.h"

#include <gtest/gtest.h>

#include "agent/stop_signal.h"
#include "k8s/fake_apiserver.h"
#include "k8s/tls_transport.h"
#include "testlib/temp_tree.h"

namespace ztp::k8s {
namespace {

using namespace std::chrono_literals;
using ztp::testing::FakeApiServer;
using ztp::testing::Fault;
using ztp::testing::TempTree;

const ztp::testing::TestPki& pki() { return ztp::testing::shared_test_pki(); }

class ConfigMapClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.set_tokens({"token-1"});
    server.start();
    sa.write("token", "token-1\n");
  }

  std::unique_ptr<TlsTransport> transport(TlsOptions o = {}) {
    o.host = o.host.empty() ? "127.0.0.1" : o.host;
    o.port = std::to_string(server.port());
    o.ca_pem = o.ca_pem.empty() ? pki().ca_cert : o.ca_pem;
    o.timeout = o.timeout == 10000ms ? 2000ms : o.timeout;
    auto t = TlsTransport::create(o);
    EXPECT_TRUE(t) << t.error().message;
    return std::move(*t);
  }
  Credentials creds() {
    Credentials c;
    c.token_file = sa.root() / "token";
    return c;
  }
  static ApplyTarget target(std::string manager, std::string key, std::string value) {
    ApplyTarget t;
    t.namespace_name = "ztp-prem";
    t.name = "ztp-prem-node-1";
    t.field_manager = std::move(manager);
    t.labels = {{"app.kubernetes.io/part-of", "ztp-prem"},
                {"ztp-prem.tlsstress.art/node", "node-1"}};
    t.key = std::move(key);
    t.value = std::move(value);
    return t;
  }

  FakeApiServer server{pki()};
  TempTree sa;
};

TEST_F(ConfigMapClientTest, CreateThenUpdateThenNoOp) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "ztp-prem-detect/test");
  auto r = client.apply(target("ztp-prem-detect", "cc.json", "{\"v\":1}\n"));
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_EQ(*r, Applied::created);
  auto cm = server.configmap("ztp-prem", "ztp-prem-node-1");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->data.at("cc.json"), "{\"v\":1}\n");
  EXPECT_EQ(cm->labels.at("ztp-prem.tlsstress.art/node"), "node-1");
  const auto rv1 = cm->resource_version;

  r = client.apply(target("ztp-prem-detect", "cc.json", "{\"v\":2}\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Applied::updated);
  cm = server.configmap("ztp-prem", "ztp-prem-node-1");
  EXPECT_EQ(cm->data.at("cc.json"), "{\"v\":2}\n");
  EXPECT_GT(cm->resource_version, rv1);
  const auto rv2 = cm->resource_version;

  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "{\"v\":2}\n")));
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->resource_version, rv2);
}

TEST_F(ConfigMapClientTest, TwoProbesShareTheObjectWithoutClobbering) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "CC1")));
  ASSERT_TRUE(client.apply(target("ztp-prem-tpm", "tpm.json", "TPM1")));
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "CC2")));
  const auto cm = server.configmap("ztp-prem", "ztp-prem-node-1");
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->data,
            (std::map<std::string, std::string>{{"cc.json", "CC2"}, {"tpm.json", "TPM1"}}));
  EXPECT_EQ(cm->data_owners.at("cc.json"), std::set<std::string>{"ztp-prem-detect"});
  EXPECT_EQ(cm->data_owners.at("tpm.json"), std::set<std::string>{"ztp-prem-tpm"});
  // Both managers applied the same labels: shared ownership, no conflict.
  EXPECT_EQ(cm->label_owners.at("app.kubernetes.io/part-of"),
            (std::set<std::string>{"ztp-prem-detect", "ztp-prem-tpm"}));
}

TEST_F(ConfigMapClientTest, TakesItsKeyBackFromAHandEdit) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "CC1")));
  server.update_data("ztp-prem", "ztp-prem-node-1", "cc.json", "EDITED", "kubectl-edit");
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "CC2")));
  const auto cm = server.configmap("ztp-prem", "ztp-prem-node-1");
  EXPECT_EQ(cm->data.at("cc.json"), "CC2");
  EXPECT_EQ(cm->data_owners.at("cc.json"), std::set<std::string>{"ztp-prem-detect"});
}

TEST_F(ConfigMapClientTest, FakeRejectsAConflictingApplyWithoutForce) {
  // The fake's own SSA semantics, so the client test above means something.
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "CC1")));
  HttpRequest req = client.apply_request(target("intruder", "cc.json", "OTHER"));
  req.target.erase(req.target.find("&force=true"));
  req.headers.emplace_back("Authorization", "Bearer token-1");
  const auto res = t->send(req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->data.at("cc.json"), "CC1");
}

TEST_F(ConfigMapClientTest, RotatedTokenIsReReadBeforeEachRequestAndOnceOn401) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  ASSERT_TRUE(client.apply(target("m", "cc.json", "A")));
  // The kubelet rotates the token: the old one is rejected, the file holds the new one.
  server.set_tokens({"token-2"});
  sa.write("token", "token-2\n");
  ASSERT_TRUE(client.apply(target("m", "cc.json", "B")));
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->data.at("cc.json"), "B");
  // A token that is rejected twice: one retry, then an error; nothing written.
  server.set_tokens({"token-3"});
  server.clear_requests();
  const auto r = client.apply(target("m", "cc.json", "C"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->data.at("cc.json"), "B");
}

TEST_F(ConfigMapClientTest, ForbiddenNamesTheMissingPermission) {
  server.forbid({"create"});
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  const auto r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 403);
  EXPECT_NE(r.error().reason.find("create and patch on configmaps in namespace ztp-prem"),
            std::string::npos);
  EXPECT_NE(r.error().reason.find("cannot create configmaps"), std::string::npos)
      << r.error().reason;  // the server's own words too
  EXPECT_TRUE(r.error().permanent);
  EXPECT_FALSE(server.configmap("ztp-prem", "ztp-prem-node-1"));
}

// The real server words an admission policy's refusal as 422 Invalid (or 403 Forbidden with
// `reason: Forbidden`) and says why in the Status message: relayed, and marked permanent.
TEST_F(ConfigMapClientTest, RefusalsRelayTheServersMessageAndArePermanent) {
  const std::string policy =
      "ValidatingAdmissionPolicy 'ztp-prem-own-node-configmap' with binding "
      "'ztp-prem-own-node-configmap' denied request: a ztp-prem agent may write only the "
      "ConfigMap of its own node";
  server.inject(
      Fault::refused(422, "Invalid", "configmaps \"ztp-prem-node-1\" is invalid: " + policy));
  server.inject(Fault::refused(403, "Forbidden", policy));
  server.inject(Fault::refused(400, "BadRequest", "line one\nline two"));
  server.inject(Fault::http(500));
  server.inject(Fault::refused(422, "Invalid", std::string(5000, 'x')));
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  auto r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 422);
  EXPECT_TRUE(r.error().permanent);
  EXPECT_EQ(r.error().reason.rfind("rejected: Invalid: ", 0), 0u) << r.error().reason;
  EXPECT_NE(r.error().reason.find(policy), std::string::npos) << r.error().reason;
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 403);
  EXPECT_TRUE(r.error().permanent);
  EXPECT_EQ(r.error().reason, "forbidden: " + policy);  // no RBAC hint: RBAC allowed it
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 400);
  EXPECT_TRUE(r.error().permanent);
  EXPECT_EQ(r.error().reason, "rejected: BadRequest: line one line two");  // one line
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 500);
  EXPECT_FALSE(r.error().permanent);
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_LT(r.error().reason.size(), 450u);  // a huge message is cut
  EXPECT_FALSE(server.configmap("ztp-prem", "ztp-prem-node-1"));
}

TEST_F(ConfigMapClientTest, ThrottlingCarriesRetryAfterAndServerErrorsAreReported) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "test");
  server.inject(Fault::http(429, 7));
  server.inject(Fault::http(500));
  server.inject(Fault::http(503, 3));
  server.inject(Fault::http(409));
  auto r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 429);
  EXPECT_EQ(r.error().retry_after, 7s);
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 500);
  EXPECT_FALSE(r.error().retry_after);
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 503);
  EXPECT_EQ(r.error().retry_after, 3s);
  r = client.apply(target("m", "cc.json", "A"));
  EXPECT_EQ(r.error().status, 409);
  EXPECT_FALSE(server.configmap("ztp-prem", "ztp-prem-node-1"));
  ASSERT_TRUE(client.apply(target("m", "cc.json", "A")));
}

TEST_F(ConfigMapClientTest, DroppedSlowAndRefusedConnectionsAreTransportErrors) {
  TlsOptions o;
  o.timeout = 300ms;
  auto t = transport(o);
  ConfigMapClient client(*t, creds(), "", "test");
  server.inject(Fault::dropped());
  auto r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 0);
  server.inject(Fault::slow(1500ms));
  const auto start = std::chrono::steady_clock::now();
  r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("timed out"), std::string::npos) << r.error().reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  server.stop();
  r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 0);
  server.start();  // same port
  ASSERT_TRUE(client.apply(target("m", "cc.json", "B")));
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->data.at("cc.json"), "B");
}

TEST_F(ConfigMapClientTest, StopSignalAbandonsARequestInFlight) {
  agent::StopSignal stop;
  TlsOptions o;
  o.timeout = 10000ms;
  o.cancel_fd = stop.fd();
  auto t = transport(o);
  ConfigMapClient client(*t, creds(), "", "test");
  server.inject(Fault::slow(3000ms));
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto r = client.apply(target("m", "cc.json", "A"));
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_NE(r.error().reason.find("cancelled"), std::string::npos) << r.error().reason;
}

TEST_F(ConfigMapClientTest, TlsIsAlwaysVerified) {
  TlsOptions other;
  other.ca_pem = pki().other_ca_cert;
  auto t = transport(other);
  ConfigMapClient client(*t, creds(), "", "test");
  auto r = client.apply(target("m", "cc.json", "A"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("TLS"), std::string::npos) << r.error().reason;
  // Right CA, wrong name: the certificate is for 127.0.0.1/localhost, not this name.
  TlsOptions wrong_name;
  wrong_name.server_name = "elsewhere.invalid";
  auto t2 = transport(wrong_name);
  ConfigMapClient client2(*t2, creds(), "", "test");
  EXPECT_FALSE(client2.apply(target("m", "cc.json", "A")));
  EXPECT_FALSE(server.configmap("ztp-prem", "ztp-prem-node-1"));
  TlsOptions none;
  none.host = "127.0.0.1";
  none.port = "1";
  EXPECT_FALSE(TlsTransport::create(none));  // no CA: refused up front
}

TEST_F(ConfigMapClientTest, ClientCertificateAuthentication) {
  TlsOptions o;
  o.client_cert_pem = pki().client_cert;
  o.client_key_pem = pki().client_key;
  auto t = transport(o);
  ConfigMapClient client(*t, Credentials{}, "", "test");
  ASSERT_TRUE(client.apply(target("m", "cc.json", "A")));
  const auto reqs = server.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs.back().headers.count("authorization"), 0u);
}

TEST_F(ConfigMapClientTest, RequestShape) {
  auto t = transport();
  ConfigMapClient client(*t, creds(), "", "ztp-prem-detect/0.1.0");
  ASSERT_TRUE(client.apply(target("ztp-prem-detect", "cc.json", "{\"url\":\"a/b\",\"u\":\"é\"}")));
  const auto req = server.requests().back();
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.target,
            "/api/v1/namespaces/ztp-prem/configmaps/ztp-prem-node-1?fieldManager=ztp-prem-detect"
            "&force=true");
  EXPECT_EQ(req.headers.at("content-type"), "application/apply-patch+yaml");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer token-1");
  EXPECT_EQ(req.headers.at("user-agent"), "ztp-prem-detect/0.1.0");
  // go-yaml rejects "\/"; UTF-8 travels as is.
  EXPECT_EQ(req.body.find("\\/"), std::string::npos);
  EXPECT_NE(req.body.find("é"), std::string::npos);
  EXPECT_EQ(server.configmap("ztp-prem", "ztp-prem-node-1")->data.at("cc.json"),
            "{\"url\":\"a/b\",\"u\":\"é\"}");
}

TEST(RetryAfter, DelaySecondsOnly) {
  EXPECT_EQ(parse_retry_after("120"), 120s);
  EXPECT_EQ(parse_retry_after(" 5 "), 5s);
  EXPECT_EQ(parse_retry_after("999999"), 3600s);
  EXPECT_FALSE(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT"));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after(std::nullopt));
}

TEST(QueryEscape, KeepsUnreserved) {
  EXPECT_EQ(query_escape("ztp-prem-detect"), "ztp-prem-detect");
  EXPECT_EQ(query_escape("a b/c&d"), "a%20b%2Fc%26d");
}

}  // namespace
}  // namespace ztp::k8s
