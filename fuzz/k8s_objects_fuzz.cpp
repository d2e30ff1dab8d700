// A Node, Namespace, Pod or workload list page from the API server (or whoever answers in its
// place), as ztp-prem-enforce reads it. Nothing may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "k8s/objects.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)ztp::k8s::parse_meta_list(input);
  (void)ztp::k8s::parse_pod_list(input);
  (void)ztp::k8s::parse_workload_list(input, "Deployment");
  (void)ztp::k8s::parse_workload_list(input, "CronJob");
  return 0;
}
