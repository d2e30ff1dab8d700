#include "cc/cc_detector.h"

#include "cc/cc_rules.h"

namespace ztp::cc {
namespace {

std::string_view arch_name(Arch arch) {
  switch (arch) {
    case Arch::x86:
      return "x86_64";
    case Arch::arm64:
      return "arm64";
    case Arch::s390x:
      return "s390x";
    case Arch::unknown:
      break;
  }
  return "unknown";
}

// One named boolean per observable. These names are a stable interface
// (README "Signals"); add new ones, never rename.
void emit_signals(const CcObservations& o, Findings& out) {
  const CpuidFacts& c = o.cpuid;
  const MsrFacts& m = o.msr;
  const FileFacts& f = o.files;
  auto yes = [](Tri t) { return t == Tri::yes; };
  out.signals.reserve(48);
  out.signal("cpuidAvailable", c.available);
  out.signal("hypervisorPresent", c.hypervisor);
  out.signal("cpuAmdSme", c.amd_sme);
  out.signal("cpuAmdSev", c.amd_sev);
  out.signal("cpuAmdSevEs", c.amd_sev_es);
  out.signal("cpuAmdSevSnp", c.amd_sev_snp);
  out.signal("cpuTdxGuestLeaf", c.tdx_leaf);
  out.signal("hyperVInterface", c.hv_interface);
  out.signal("hyperVEmulated", c.hv_emulated);
  out.signal("hyperVIsolation", c.hv_isolation);
  out.signal("hyperVRootPartition", c.hv_root_partition);
  out.signal("hyperVParavisor", c.hv_paravisor);
  out.signal("hyperVIsolationVbs", c.hv_isolation_type == 1);
  out.signal("hyperVIsolationSnp", c.hv_isolation_type == 2);
  out.signal("hyperVIsolationTdx", c.hv_isolation_type == 3);
  out.signal("msrSevStatusReadable", m.sev_status_readable);
  out.signal("msrSevEnabled", m.sev);
  out.signal("msrSevEsEnabled", m.sev_es);
  out.signal("msrSevSnpEnabled", m.sev_snp);
  out.signal("sevGuestPlatformDevice", f.sev_guest_platform_device);
  out.signal("sevGuestDeviceNode", f.sev_guest_device_node);
  out.signal("sevGuestModuleLoaded", f.sev_guest_module_loaded);
  out.signal("sevGuestModuleBuiltin", f.sev_guest_module_builtin);
  out.signal("sevVmplSysfs", f.sev_vmpl_sysfs);
  out.signal("tdxGuestDeviceNode", f.tdx_guest_device_node);
  out.signal("tdxGuestCpuFlag", f.cpu_flag_tdx_guest);
  out.signal("acpiCcelTable", f.acpi_ccel_table);
  out.signal("tsmReportConfigfs", f.tsm_report_configfs);
  out.signal("ccaPlatformDevice", f.cca_platform_device);
  out.signal("ccaGuestModuleLoaded", f.cca_guest_module_loaded);
  out.signal("s390UltravisorFacility", f.s390_uv_facility);
  out.signal("s390ProtVirtGuest", yes(f.s390_prot_virt_guest));
  out.signal("s390ProtVirtHost", yes(f.s390_prot_virt_host));
  out.signal("kvmAmdLoaded", f.kvm_amd_loaded);
  out.signal("kvmAmdSev", yes(f.kvm_amd_sev));
  out.signal("kvmAmdSevEs", yes(f.kvm_amd_sev_es));
  out.signal("kvmAmdSevSnp", yes(f.kvm_amd_sev_snp));
  out.signal("kvmIntelLoaded", f.kvm_intel_loaded);
  out.signal("kvmIntelTdx", yes(f.kvm_intel_tdx));
  out.signal("sevFirmwareDevice", yes(f.sev_firmware_device));
  out.signal("miscCgroupSev", f.misc_sev.value_or(0) > 0);
  out.signal("miscCgroupSevEs", f.misc_sev_es.value_or(0) > 0);
  out.signal("miscCgroupTdx", f.misc_tdx.value_or(0) > 0);
  out.signal("cpuFlagTdxHostPlatform", f.cpu_flag_tdx_host_platform);
}

}  // namespace

CcDetection decide(const CcObservations& obs) {
  CcDetection out;
  GuestVerdict guest = classify_guest(obs);
  HostVerdict host = classify_host(obs);
  out.mode = guest.mode;
  out.host_capabilities = std::move(host.capabilities);
  const std::string arch(arch_name(host_arch(obs)));
  out.findings.note("architecture: " + arch +
                    (obs.cpuid.available ? " (from CPUID)" : " (from kernel files)"));
  for (auto& reason : guest.reasons) {
    out.findings.note("guest: " + std::move(reason));
  }
  for (auto& reason : host.reasons) {
    out.findings.note("host: " + std::move(reason));
  }
  emit_signals(obs, out.findings);
  return out;
}

CcDetection detect(const host::HostView& host) { return decide(observe(host)); }

}  // namespace ztp::cc
