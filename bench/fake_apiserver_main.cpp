// The test tree's TLS fake API server as a process, for bench/agent_bench.py:
// writes DIR/kubeconfig (+ CA), serves until SIGTERM, then prints the number of
// ConfigMap requests it received. Usage: fake_apiserver DIR
#include <signal.h>

#include <fstream>
#include <iostream>

#include "k8s/fake_apiserver.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fake_apiserver DIR\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server's threads start
  const auto pki = ztp::testing::make_test_pki();
  ztp::testing::FakeApiServer server(pki);
  server.set_tokens({"bench-token"});
  server.start();
  const std::string dir = argv[1];
  std::ofstream(dir + "/ca.crt") << pki.ca_cert;
  std::ofstream(dir + "/kubeconfig")
      << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters: [{name: fake, cluster: {server: '" << server.url()
      << "', certificate-authority: ca.crt}}]\n"
      << "contexts: [{name: fake, context: {cluster: fake, user: agent, namespace: ztp-prem}}]\n"
      << "users: [{name: agent, user: {token: bench-token}}]\n";
  std::cout << "ready" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  std::cout << server.configmap_requests() << std::endl;
  return 0;
}
