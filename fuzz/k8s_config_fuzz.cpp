// What the agent parses from outside: kubeconfig YAML, server URLs, Retry-After.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "k8s/cluster_config.h"
#include "k8s/configmap_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Relative file references resolve below a directory that does not exist.
  (void)ztp::k8s::parse_kubeconfig(text, "/nonexistent-ztp-fuzz");
  if (const auto url = ztp::k8s::parse_server_url(text)) {
    if (url->host.empty() || url->port.empty()) {
      __builtin_trap();
    }
  }
  (void)ztp::k8s::parse_retry_after(std::string(text));
  return 0;
}
