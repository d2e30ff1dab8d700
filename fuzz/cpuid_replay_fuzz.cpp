// The `--cpuid-file` parser and the CPUID decoding on whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cc/cc_observations.h"
#include "host/cpuid_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cpuid = ztp::host::ReplayCpuid::parse(text);
  if (!cpuid) {
    // Rejections must name a line.
    if (cpuid.error().message.find("line ") == std::string::npos) {
      __builtin_trap();
    }
    return 0;
  }
  (void)ztp::cc::read_cpuid_facts(*cpuid);
  return 0;
}
