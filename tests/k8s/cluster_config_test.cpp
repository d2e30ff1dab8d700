#include "k8s/cluster_config.h"

#include <gtest/gtest.h>

#include "testlib/temp_tree.h"

namespace ztp::k8s {
namespace {

using ztp::testing::TempTree;

TEST(ServerUrl, HostPortPathAndIpv6) {
  auto c = parse_server_url("https://api.example:6443");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "api.example");
  EXPECT_EQ(c->port, "6443");
  EXPECT_EQ(c->base_path, "");
  c = parse_server_url("https://[fd00::1]:443/prefix/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->port, "443");
  EXPECT_EQ(c->base_path, "/prefix");
  c = parse_server_url("https://10.0.0.1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, "443");
  EXPECT_FALSE(parse_server_url("http://10.0.0.1"));  // TLS only
  EXPECT_FALSE(parse_server_url("https://[fd00::1"));
  EXPECT_FALSE(parse_server_url("https://h:99999"));
  EXPECT_FALSE(parse_server_url("https://h:12ab"));
  EXPECT_FALSE(parse_server_url("https://:443"));
}

TEST(InCluster, ReadsServiceAccountFilesAndBracketsIpv6) {
  TempTree sa;
  sa.write("token", "tok-1\n");
  sa.write("ca.crt", "CA PEM");
  sa.write("namespace", "ztp-prem\n");
  auto c = in_cluster_config("fd00::1", "443", sa.root());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->namespace_name, "ztp-prem");
  EXPECT_EQ(*current_token(c->credentials).value(), "tok-1");
  // The token is re-read on every call: rotation takes effect without restart.
  sa.write("token", "tok-2");
  EXPECT_EQ(*current_token(c->credentials).value(), "tok-2");
  EXPECT_FALSE(in_cluster_config(std::nullopt, "443", sa.root()));
  std::filesystem::remove(sa.root() / "ca.crt");
  EXPECT_FALSE(in_cluster_config("10.0.0.1", "443", sa.root()));
}

TEST(Kubeconfig, CurrentContextWithInlineDataAndFiles) {
  TempTree t;
  t.write("ca.pem", "CA FROM FILE");
  t.write("token", "file-token\n");
  t.write("config", R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: c1
  cluster:
    server: https://10.1.2.3:6443
    certificate-authority-data: Q0EgSU5MSU5F
- name: c2
  cluster:
    server: https://[::1]:8443
    certificate-authority: ca.pem
    tls-server-name: kubernetes.default
contexts:
- name: a
  context: {cluster: c1, user: u1}
- name: b
  context: {cluster: c2, user: u2, namespace: team}
users:
- name: u1
  user: {token: inline-token}
- name: u2
  user: {tokenFile: token, client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
)");
  auto c = load_kubeconfig(t.root() / "config");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, "8443");
  EXPECT_EQ(c->ca_pem, "CA FROM FILE");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  EXPECT_EQ(c->namespace_name, "team");
  EXPECT_EQ(*current_token(c->credentials).value(), "file-token");
  EXPECT_EQ(c->credentials.client_cert_pem, "CERT");
  EXPECT_EQ(c->credentials.client_key_pem, "KEY");
}

TEST(Kubeconfig, InlineCaAndToken) {
  TempTree t;
  t.write("config", R"(current-context: a
clusters: [{name: c1, cluster: {server: "https://10.1.2.3:6443", certificate-authority-data: Q0EgSU5MSU5F}}]
contexts: [{name: a, context: {cluster: c1, user: u1}}]
users: [{name: u1, user: {token: inline-token}}]
)");
  auto c = load_kubeconfig(t.root() / "config");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->ca_pem, "CA INLINE");
  EXPECT_EQ(*current_token(c->credentials).value(), "inline-token");
  EXPECT_FALSE(c->namespace_name);
}

TEST(Kubeconfig, RefusesWhatItCannotDoSafely) {
  TempTree t;
  const std::string head =
      "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n";
  t.write("insecure", head +
                          "clusters: [{name: c, cluster: {server: 'https://h', "
                          "insecure-skip-tls-verify: true, certificate-authority-data: QQ==}}]\n");
  t.write("exec", head +
                      "clusters: [{name: c, cluster: {server: 'https://h', "
                      "certificate-authority-data: QQ==}}]\n"
                      "users: [{name: u, user: {exec: {command: x}}}]\n");
  t.write("noca", head + "clusters: [{name: c, cluster: {server: 'https://h'}}]\n");
  t.write("http", head +
                      "clusters: [{name: c, cluster: {server: 'http://h', "
                      "certificate-authority-data: QQ==}}]\n");
  t.write("badb64", head +
                        "clusters: [{name: c, cluster: {server: 'https://h', "
                        "certificate-authority-data: '@@@'}}]\n");
  t.write("yaml", "current-context: [unclosed\n");
  t.write("nocontext", "clusters: []\n");
  for (const char* name : {"insecure", "exec", "noca", "http", "badb64", "yaml", "nocontext"}) {
    const auto c = load_kubeconfig(t.root() / name);
    EXPECT_FALSE(c) << name;
  }
  EXPECT_FALSE(load_kubeconfig(t.root() / "absent"));
}

}  // namespace
}  // namespace ztp::k8s
