// The sysfs and procfs value parsers the CC probe applies to host files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cc/cc_observations.h"
#include "common/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ztp::text::parse_kernel_bool(text);
  (void)ztp::text::parse_u64(text);
  (void)ztp::text::find_keyed_count(text, "sev");
  (void)ztp::text::find_keyed_count(text, "sev_es");
  if (const auto flags = ztp::text::find_colon_field(text, "flags")) {
    (void)ztp::text::has_word(*flags, "tdx_guest");
  }
  (void)ztp::cc::arch_from_cpuinfo(text);
  (void)ztp::cc::parse_tri(text);
  const std::string_view trimmed = ztp::text::trim(text);
  if (trimmed.size() > text.size()) {
    __builtin_trap();
  }
  return 0;
}
