// A watch stream and a list page from the API server (or whoever answers in its place):
// the splitter cut at an input-chosen point, every line parsed as an event, the whole
// input parsed as a list page. Nothing may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "k8s/watch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = input.empty() ? 0 : data[0] % (input.size() + 1);
  // Small cap so the fuzzer reaches the oversize path.
  ztp::k8s::WatchLineSplitter splitter(256);
  for (const std::string_view part : {input.substr(0, cut), input.substr(cut)}) {
    auto lines = splitter.feed(part);
    if (!lines) {
      break;
    }
    for (const auto& line : *lines) {
      (void)ztp::k8s::parse_watch_event(line);
    }
  }
  (void)ztp::k8s::parse_configmap_list(input);
  return 0;
}
