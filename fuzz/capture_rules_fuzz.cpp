// libFuzzer target for what a capture keeps of a file (cc/tpm capture_rules, issue 12):
// whatever the file held, the kept part must parse exactly as the original did (so the
// replay equals the live run), and keeping is idempotent (a capture of a capture is itself).
// Run: build/fuzz/bin/capture_rules_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cc/cc_observations.h"
#include "common/text.h"
#include "tpm/tpm_observations.h"
#include "tpm/tpm_sysfs.h"

namespace {

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

std::string kept(const ztp::host::CaptureRules& rules, std::string_view path,
                 std::string_view contents) {
  const auto k = rules.contents(path, contents);
  check(k.has_value());
  check(rules.contents(path, k->contents)->contents == k->contents);
  return k->contents;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  namespace text = ztp::text;
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  static const auto cc = ztp::cc::capture_rules();
  static const auto tpm = ztp::tpm::capture_rules();

  const std::string cpuinfo = kept(cc, "/proc/cpuinfo", data);
  check(ztp::cc::arch_from_cpuinfo(cpuinfo) == ztp::cc::arch_from_cpuinfo(data));
  check(text::find_colon_field(cpuinfo, "flags") == text::find_colon_field(data, "flags"));

  const std::string flag = kept(cc, "/sys/module/kvm_amd/parameters/sev", data);
  check(ztp::cc::parse_tri(flag) == ztp::cc::parse_tri(data));

  const std::string misc = kept(cc, "/sys/fs/cgroup/misc.capacity", data);
  for (const std::string_view key : {"sev", "sev_es", "tdx"}) {
    check(text::find_keyed_count(misc, key) == text::find_keyed_count(data, key));
  }

  namespace sysfs = ztp::tpm::sysfs;
  const std::string version = kept(tpm, "/sys/class/tpm/tpm0/tpm_version_major", data);
  check(sysfs::parse_version_major(version) == sysfs::parse_version_major(data));
  const std::string uevent = kept(tpm, "/sys/class/tpm/tpm0/device/uevent", data);
  check(sysfs::uevent_driver(uevent) == sysfs::uevent_driver(data));
  return 0;
}
