// libFuzzer target for the TPM probe's parsers of outside input (src/tpm/tpm_sysfs.h)
// and for the rules over whatever observations those inputs can produce.
// Run: build/fuzz/bin/tpm_sysfs_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tpm/tpm_detector.h"
#include "tpm/tpm_sysfs.h"

namespace {

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

bool allowed_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// Observations shaped by the input bytes: every combination of facts must give a
// consistent verdict (ready iff nothing is missing; none iff no TPM 2.0 family).
void fuzz_rules(std::string_view data) {
  using namespace ztp::tpm;
  if (data.size() < 4) {
    return;
  }
  auto bit = [&](std::size_t i) {
    return (static_cast<unsigned char>(data[i / 8 % data.size()]) >> (i % 8)) & 1u;
  };
  TpmObservations o;
  o.sys_class_visible = bit(0);
  o.class_tpm = static_cast<DirState>(bit(1) | bit(2) << 1);
  o.class_tpmrm = static_cast<DirState>(bit(3) | bit(4) << 1);
  o.dev_dir = static_cast<DirState>(bit(5) | bit(6) << 1);
  o.securityfs = static_cast<DirState>(bit(7) | bit(8) << 1);
  o.acpi_tables = static_cast<DirState>(bit(9) | bit(10) << 1);
  o.acpi_tpm2 = bit(11);
  o.acpi_tcpa = bit(12);
  o.ima = bit(13);
  if (bit(14)) {
    o.raw_nodes.push_back(0);
  }
  if (bit(15)) {
    o.rm_nodes.push_back(0);
  }
  const unsigned chips = bit(16) | bit(17) << 1;
  for (unsigned i = 0; i < chips; ++i) {
    const std::size_t b = 18 + i * 12;
    ChipFacts c;
    c.index = i;
    c.name = "tpm" + std::to_string(i);
    c.listable = bit(b);
    c.version = static_cast<VersionFile>((bit(b + 1) | bit(b + 2) << 1 | bit(b + 3) << 2) % 5);
    c.caps_in_class = bit(b + 4);
    c.caps_in_device = bit(b + 5);
    c.device_link = bit(b + 6);
    c.virtual_path = bit(b + 7);
    c.tpmrm_sysfs = bit(b + 8);
    c.raw_node = bit(b + 9);
    c.rm_node = bit(b + 10);
    c.event_log = bit(b + 11);
    if (bit(b + 1) && bit(b + 11)) {
      c.pcr_banks = {"sha1", "sha256"};
    }
    o.chips.push_back(c);
  }
  const TpmDetection d = decide(o);
  // tpmstatus.v1: nothing missing exactly when ready, or when unknown (a TPM 2.0 whose
  // securityfs could not be listed: nothing else lacking, the event log unseen).
  check((d.readiness == Readiness::ready || d.readiness == Readiness::unknown) ==
        d.missing.empty());
  const bool tpm2 = d.family == Family::tpm2_rm || d.family == Family::tpm2_raw;
  check((d.readiness == Readiness::none) == !tpm2);
  check(d.readiness != Readiness::unknown || tpm2);
  check(!d.findings.evidence.empty());
  check(d.findings.signals.size() == 30);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  namespace s = ztp::tpm::sysfs;

  if (const auto major = s::parse_version_major(data)) {
    check(*major == 1 || *major == 2);
  }
  for (const std::string_view prefix : {"tpm", "tpmrm"}) {
    if (const auto index = s::parse_indexed_name(data, prefix)) {
      check(*index < 65536);
      check(data.substr(0, prefix.size()) == prefix);
    }
  }
  if (const auto bank = s::pcr_bank_name(data)) {
    check(!bank->empty() && bank->size() <= 16);
    for (const char c : *bank) {
      check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
  }
  if (const auto driver = s::uevent_driver(data)) {
    // Whatever is echoed into evidence is a short, plain identifier.
    check(!driver->empty() && driver->size() <= 32);
    for (const char c : *driver) {
      check(allowed_name_char(c));
    }
  }
  s::is_ima_measurement_list(data);
  fuzz_rules(data);
  return 0;
}
