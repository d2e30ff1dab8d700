#include "tpm/tpm_detector.h"

#include "tpm/tpm_rules.h"

namespace ztp::tpm {
namespace {

bool present(DirState s) { return s == DirState::empty || s == DirState::populated; }

// One named boolean per observable, about the chip that decides the family
// (false when there is none). These names are a stable interface (docs/tpm.md
// "Signals"); add new ones, never rename.
void emit_signals(const TpmObservations& o, const TpmVerdict& v, Findings& out) {
  static const ChipFacts k_no_chip{};
  const ChipFacts& c = v.primary ? o.chips[*v.primary] : k_no_chip;
  out.signals.reserve(32);
  out.signal("sysfsVisible", o.sys_class_visible);
  out.signal("tpmClassPresent", present(o.class_tpm));
  out.signal("tpmChipPresent", !o.chips.empty());
  out.signal("multipleChips", o.chips.size() > 1);
  out.signal("tpmrmClassPresent", present(o.class_tpmrm));
  out.signal("tpmrmSysfs", c.tpmrm_sysfs);
  out.signal("versionMajorFile", c.version != VersionFile::absent);
  out.signal("versionMajor2", c.version == VersionFile::tpm2);
  out.signal("versionMajor1", c.version == VersionFile::tpm1);
  out.signal("versionMajorUnusable",
             c.version == VersionFile::unparsable || c.version == VersionFile::unreadable);
  out.signal("tpm1Attributes", c.caps_in_class || c.caps_in_device);
  out.signal("tpm1AttributesUnderDevice", c.caps_in_device && !c.caps_in_class);
  out.signal("pcrBanksSysfs", !c.pcr_banks.empty());
  out.signal("parentDevice", c.device_link);
  out.signal("virtualChip", v.primary.has_value() && !c.hardware());
  out.signal("rawDeviceNode", c.raw_node);
  out.signal("rmDeviceNode", c.rm_node);
  out.signal("deviceNodeHidden", v.device_node_hidden);
  out.signal("familyInferred", v.family_inferred);
  out.signal("familyFromDeviceNodes", v.family_from_device_nodes);
  out.signal("familyContradiction", v.contradiction);
  out.signal("securityfsMounted", o.securityfs == DirState::populated);
  out.signal("eventLog", v.event_log);
  out.signal("asciiEventLog", c.ascii_event_log);
  out.signal("imaMeasurements", o.ima);
  out.signal("acpiTablesVisible", present(o.acpi_tables));
  out.signal("acpiTpm2Table", o.acpi_tpm2);
  out.signal("acpiTcpaTable", o.acpi_tcpa);
  out.signal("firmwareWithoutDriver", v.firmware_without_driver);
  out.signal("unreadablePaths", !o.unreadable.empty());
}

}  // namespace

TpmDetection decide(const TpmObservations& obs) {
  TpmVerdict v = classify(obs);
  TpmDetection out;
  out.family = v.family;
  out.measured_boot.event_log = v.event_log;
  out.measured_boot.ima = obs.ima;
  out.measured_boot.pcr_banks = v.pcr_banks;
  out.measured_boot.firmware_table = v.firmware_table;
  out.readiness = v.readiness;
  out.missing = v.missing;
  emit_signals(obs, v, out.findings);
  for (auto& reason : v.reasons) {
    out.findings.note(std::move(reason));
  }
  if (out.findings.evidence.empty()) {
    out.findings.note("no TPM evidence");
  }
  return out;
}

TpmDetection detect(const host::HostView& host) { return decide(observe(host)); }

}  // namespace ztp::tpm
