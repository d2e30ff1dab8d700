// The `--msr-file` parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/msr_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto msr = ztp::host::ReplayMsr::parse(text);
  if (msr) {
    (void)msr->read(0xc0010131);
  }
  return 0;
}
