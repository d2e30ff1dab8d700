// The test tree's TLS fake API server as a process, for bench/agent_bench.py and
// bench/fleet_relist_bench.py: writes DIR/kubeconfig (+ CA), serves until SIGTERM, then
// prints the number of ConfigMap requests it received.
// Usage: fake_apiserver DIR [FLEET_DIR]
//   FLEET_DIR: a `ztp-prem-fleet simulate` output; each node becomes the ConfigMap its agents
//   would write. SIGUSR1 then compacts the history (open watches get 410 Gone, the fleet
//   service re-lists) and adds node "relist-marker", which only the re-list can see.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fleet/k8s_source.h"
#include "k8s/fake_apiserver.h"

namespace {

constexpr const char* k_ns = "ztp-prem";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put_node(ztp::testing::FakeApiServer& server, const std::string& node,
              std::map<std::string, std::string> data) {
  server.put_configmap(
      k_ns, "ztp-prem-" + node,
      {{"app.kubernetes.io/part-of", "ztp-prem"}, {ztp::fleet::k_node_label, node}},
      std::move(data));
}

// <node>.cc.json / <node>.tpm.json -> one ConfigMap per node; returns one CC document.
std::string load_fleet(ztp::testing::FakeApiServer& server, const std::filesystem::path& dir) {
  std::map<std::string, std::map<std::string, std::string>> nodes;
  std::string sample_cc;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    for (const auto& [suffix, key] :
         {std::pair{".cc.json", ztp::fleet::k_cc_key}, {".tpm.json", ztp::fleet::k_tpm_key}}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.ends_with(s)) {
        nodes[name.substr(0, name.size() - s.size())][key] = slurp(e.path());
        if (sample_cc.empty() && s == ".cc.json") {
          sample_cc = nodes[name.substr(0, name.size() - s.size())][key];
        }
      }
    }
  }
  for (auto& [node, data] : nodes) {
    put_node(server, node, std::move(data));
  }
  return sample_cc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: fake_apiserver DIR [FLEET_DIR]\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server's threads start
  const auto pki = ztp::testing::make_test_pki();
  ztp::testing::FakeApiServer server(pki);
  server.set_tokens({"bench-token"});
  const std::string sample_cc = argc == 3 ? load_fleet(server, argv[2]) : std::string();
  server.start();
  const std::string dir = argv[1];
  std::ofstream(dir + "/ca.crt") << pki.ca_cert;
  std::ofstream(dir + "/kubeconfig")
      << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters: [{name: fake, cluster: {server: '" << server.url()
      << "', certificate-authority: ca.crt}}]\n"
      << "contexts: [{name: fake, context: {cluster: fake, user: agent, namespace: " << k_ns
      << "}}]\n"
      << "users: [{name: agent, user: {token: bench-token}}]\n";
  std::cout << "ready" << std::endl;
  int sig = 0;
  for (;;) {
    sigwait(&set, &sig);
    if (sig != SIGUSR1) {
      break;
    }
    server.compact();
    if (!sample_cc.empty()) {
      auto doc = nlohmann::json::parse(sample_cc);
      doc["node"] = "relist-marker";
      put_node(server, "relist-marker", {{ztp::fleet::k_cc_key, doc.dump()}});
    }
    std::cout << "compacted" << std::endl;
  }
  server.stop();
  std::cout << server.configmap_requests() << std::endl;
  return 0;
}
