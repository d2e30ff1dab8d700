// kubectl as an independent reference client: the same server-side apply sent
// by kubectl and by our client must reach the fake as the same request, and
// leave the same object behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "k8s/configmap_client.h"
#include "k8s/fake_apiserver.h"
#include "k8s/tls_transport.h"
#include "testlib/temp_tree.h"

namespace ztp::k8s {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_kubectl = "/usr/bin/kubectl";

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> q;
  const auto pos = target.find('?');
  if (pos == std::string::npos) {
    return q;
  }
  std::string rest = target.substr(pos + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto amp = rest.find('&', start);
    if (amp == std::string::npos) {
      amp = rest.size();
    }
    const auto kv = rest.substr(start, amp - start);
    const auto eq = kv.find('=');
    q[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    start = amp + 1;
  }
  return q;
}

int run_command(const std::string& cmd, std::string& output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    return -1;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    output.append(buf, n);
  }
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(KubectlReference, ServerSideApplyMatchesKubectl) {
  if (!std::filesystem::exists(k_kubectl)) {
    GTEST_SKIP() << "kubectl not found at " << k_kubectl << "; reference comparison skipped";
  }
  const auto pki = ztp::testing::make_test_pki();
  ztp::testing::FakeApiServer server(pki);
  server.set_tokens({"ref-token"});
  server.start();
  ztp::testing::TempTree t;
  t.write("ca.crt", pki.ca_cert);
  t.write("kubeconfig",
          "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
          "clusters: [{name: fake, cluster: {server: '" +
              server.url() +
              "', certificate-authority: ca.crt}}]\n"
              "contexts: [{name: fake, context: {cluster: fake, user: agent, "
              "namespace: ztp-prem}}]\n"
              "users: [{name: agent, user: {token: ref-token}}]\n");

  ApplyTarget target;
  target.namespace_name = "ztp-prem";
  target.name = "ztp-prem-node-1";
  target.field_manager = "ztp-prem-detect";
  target.labels = {{"app.kubernetes.io/part-of", "ztp-prem"},
                   {"ztp-prem.tlsstress.art/node", "node-1"}};
  target.key = "cc.json";
  target.value = "{\n  \"kind\": \"CCStatus\",\n  \"path\": \"a/b\"\n}\n";
  t.write("cm.json", apply_body(target));

  // kubectl first, with the same field manager and forced conflicts (our force=true).
  // --validate=false: client-side schema validation needs the OpenAPI documents,
  // which the fake does not serve; it changes only kubectl's fieldValidation parameter.
  std::string out;
  const std::string cmd = std::string(k_kubectl) + " --kubeconfig " + t.str() +
                          "/kubeconfig --cache-dir " + t.str() +
                          "/cache apply --server-side --force-conflicts --validate=false"
                          " --field-manager=ztp-prem-detect -f " +
                          t.str() + "/cm.json -v=8";
  const int rc = run_command(cmd, out);
  ASSERT_EQ(rc, 0) << out;
  std::optional<ztp::testing::RecordedRequest> theirs;
  for (const auto& r : server.requests()) {
    if (r.method == "PATCH") {
      theirs = r;
    }
  }
  ASSERT_TRUE(theirs) << out;
  EXPECT_EQ(theirs->status, 201);
  const auto after_kubectl = server.configmap("ztp-prem", "ztp-prem-node-1");
  ASSERT_TRUE(after_kubectl);

  // Our client applies the same object again: an update of nothing, same owner.
  server.clear_requests();
  TlsOptions o;
  o.host = "127.0.0.1";
  o.port = std::to_string(server.port());
  o.ca_pem = pki.ca_cert;
  auto transport = TlsTransport::create(o);
  ASSERT_TRUE(transport);
  Credentials creds;
  creds.token = "ref-token";
  ConfigMapClient client(**transport, creds, "", "ztp-prem-detect/test");
  const auto applied = client.apply(target);
  ASSERT_TRUE(applied) << applied.error().reason;
  EXPECT_EQ(*applied, Applied::updated);
  const auto ours = server.requests().back();

  // Request line: method and path identical.
  EXPECT_EQ(ours.method, theirs->method);
  EXPECT_EQ(ours.target.substr(0, ours.target.find('?')),
            theirs->target.substr(0, theirs->target.find('?')));
  // Query: the parameters that decide SSA semantics carry kubectl's values.
  const auto q_ours = query_of(ours.target);
  const auto q_theirs = query_of(theirs->target);
  for (const char* key : {"fieldManager", "force"}) {
    ASSERT_EQ(q_theirs.count(key), 1u) << theirs->target;
    EXPECT_EQ(q_ours.count(key) ? q_ours.at(key) : "", q_theirs.at(key)) << key;
  }
  // Only parameters kubectl also sends (fieldValidation is kubectl's client-side choice).
  for (const auto& [key, value] : q_ours) {
    EXPECT_EQ(q_theirs.count(key), 1u) << "we send " << key << ", kubectl does not";
  }
  // Headers that decide how the server reads the body and who we are.
  EXPECT_EQ(ours.headers.at("content-type"), theirs->headers.at("content-type"));
  EXPECT_EQ(ours.headers.at("authorization"), theirs->headers.at("authorization"));
  // Bodies: the same object (kubectl may reorder or reformat the JSON).
  EXPECT_EQ(nlohmann::json::parse(ours.body), nlohmann::json::parse(theirs->body));
  // And the server holds the same thing: no new resourceVersion, same owner.
  const auto after_ours = server.configmap("ztp-prem", "ztp-prem-node-1");
  EXPECT_EQ(after_ours->data, after_kubectl->data);
  EXPECT_EQ(after_ours->labels, after_kubectl->labels);
  EXPECT_EQ(after_ours->resource_version, after_kubectl->resource_version);
  EXPECT_EQ(after_ours->data_owners.at("cc.json"), std::set<std::string>{"ztp-prem-detect"});
}

}  // namespace
}  // namespace ztp::k8s
