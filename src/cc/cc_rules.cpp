#include "cc/cc_rules.h"

namespace ztp::cc {
namespace {

GuestVerdict verdict(GuestMode mode, std::vector<std::string> reasons) {
  return GuestVerdict{mode, std::move(reasons)};
}

bool any_snp_kernel_object(const FileFacts& f) {
  return f.sev_guest_platform_device || f.sev_guest_device_node || f.sev_guest_module_loaded ||
         f.sev_vmpl_sysfs;
}

bool any_tdx_kernel_object(const FileFacts& f) {
  return f.tdx_guest_device_node || f.cpu_flag_tdx_guest;
}

std::string snp_objects(const FileFacts& f) {
  std::string out;
  auto add = [&](bool present, const char* name) {
    if (present) {
      out += out.empty() ? "" : ", ";
      out += name;
    }
  };
  add(f.sev_guest_platform_device, "sev-guest platform device");
  add(f.sev_guest_device_node, "/dev/sev-guest");
  add(f.sev_guest_module_loaded, "loaded sev_guest module");
  add(f.sev_vmpl_sysfs, "cpu/sev/vmpl");
  return out;
}

GuestVerdict classify_hyperv_isolation(const CpuidFacts& c) {
  switch (c.hv_isolation_type) {
    case 1:
      return verdict(GuestMode::none,
                     {"Hyper-V VBS isolation: software isolation, not a hardware CC guest"});
    case 2:
      if (c.vendor != CpuVendor::amd) {
        return verdict(GuestMode::unknown,
                       {"Hyper-V reports SNP isolation on a non-AMD CPU: contradictory"});
      }
      return verdict(GuestMode::sev_snp,
                     {std::string("Hyper-V isolation type SNP") +
                      (c.hv_paravisor ? " behind a paravisor" : "") + " (CPUID 0x4000000C)"});
    case 3:
      if (c.vendor != CpuVendor::intel) {
        return verdict(GuestMode::unknown,
                       {"Hyper-V reports TDX isolation on a non-Intel CPU: contradictory"});
      }
      return verdict(GuestMode::tdx,
                     {std::string("Hyper-V isolation type TDX") +
                      (c.hv_paravisor ? " behind a paravisor" : "") + " (CPUID 0x4000000C)"});
    default:
      return verdict(GuestMode::unknown,
                     {"Hyper-V isolation bit set but isolation type " +
                      std::to_string(c.hv_isolation_type) + " is not one we know"});
  }
}

GuestVerdict classify_amd_guest(const CcObservations& obs) {
  const CpuidFacts& c = obs.cpuid;
  const FileFacts& f = obs.files;
  const MsrFacts& m = obs.msr;
  if (any_tdx_kernel_object(f)) {
    return verdict(GuestMode::unknown, {"TDX guest device on an AMD CPU: contradictory"});
  }
  const bool snp_objects_present = any_snp_kernel_object(f);
  if (m.sev_status_readable) {
    GuestMode mode = GuestMode::none;
    std::string what = "no encryption bit set";
    // SNP implies ES implies SEV: test from the most specific bit down.
    if (m.sev_snp) {
      mode = GuestMode::sev_snp;
      what = "SEV-SNP active";
    } else if (m.sev_es) {
      mode = GuestMode::sev_es;
      what = "SEV-ES active";
    } else if (m.sev) {
      mode = GuestMode::sev;
      what = "SEV active";
    }
    if (mode != GuestMode::sev_snp && snp_objects_present) {
      return verdict(GuestMode::unknown,
                     {"SEV_STATUS MSR says " + what + " but SNP-only " + "kernel objects exist (" +
                      snp_objects(f) + "): contradictory"});
    }
    return verdict(mode, {"SEV_STATUS MSR 0xc0010131 readable: " + what});
  }
  if (snp_objects_present) {
    return verdict(
        GuestMode::sev_snp,
        {"SEV_STATUS MSR unreadable; SNP-only kernel objects present: " + snp_objects(f)});
  }
  if (!c.amd_sev && !c.amd_sme) {
    // arch/x86/mm/mem_encrypt_identity.c sme_enable() stops unless SEV or SME is offered.
    return verdict(GuestMode::none,
                   {"CPUID 0x8000001F offers neither SEV nor SME to this guest: the kernel "
                    "cannot have enabled SEV"});
  }
  return verdict(
      GuestMode::unknown,
      {"SEV is offered in CPUID but SEV_STATUS MSR is unreadable (" + m.unreadable_reason +
       ") and no SNP guest object exists: sev, sev-es and none are all possible; "
       "run with CAP_SYS_RAWIO and the msr module to decide"});
}

GuestVerdict classify_intel_guest(const CcObservations& obs) {
  const CpuidFacts& c = obs.cpuid;
  const FileFacts& f = obs.files;
  if (any_snp_kernel_object(f)) {
    return verdict(GuestMode::unknown, {"SEV-SNP guest objects on an Intel CPU: contradictory"});
  }
  if (c.tdx_leaf) {
    std::string why = "CPUID leaf 0x21 reports IntelTDX";
    if (f.tdx_guest_device_node) {
      why += "; tdx_guest device present";
    } else {
      why += "; tdx_guest driver not loaded (no attestation device)";
    }
    return verdict(GuestMode::tdx, {why});
  }
  if (any_tdx_kernel_object(f)) {
    if (c.max_basic < 0x21) {
      // Some hypervisors cap the basic leaves; the kernel saw the leaf at boot.
      return verdict(GuestMode::tdx,
                     {"TDX guest kernel objects present; CPUID leaf 0x21 not reachable here"});
    }
    return verdict(GuestMode::unknown,
                   {"TDX guest kernel objects present but CPUID leaf 0x21 is not IntelTDX: "
                    "contradictory"});
  }
  return verdict(GuestMode::none, {"Intel guest without the TDX CPUID leaf"});
}

// A replay without CPUID for an x86 host: only kernel objects can speak.
GuestVerdict classify_x86_without_cpuid(const FileFacts& f) {
  const bool snp = any_snp_kernel_object(f);
  const bool tdx = any_tdx_kernel_object(f);
  if (snp && !tdx) {
    return verdict(GuestMode::sev_snp,
                   {"CPUID unavailable; SNP-only kernel objects present: " + snp_objects(f)});
  }
  if (tdx && !snp) {
    return verdict(GuestMode::tdx, {"CPUID unavailable; TDX guest kernel objects present"});
  }
  return verdict(GuestMode::unknown,
                 {snp && tdx ? "both SNP and TDX guest objects present: contradictory"
                             : "x86 host but CPUID unavailable and no guest kernel object: "
                               "cannot decide"});
}

// A guest (hypervisor bit set), by CPU vendor.
GuestVerdict classify_x86_guest_by_vendor(const CcObservations& obs) {
  const CpuidFacts& c = obs.cpuid;
  const FileFacts& f = obs.files;
  if (c.vendor == CpuVendor::amd) {
    return classify_amd_guest(obs);
  }
  if (c.vendor == CpuVendor::intel) {
    return classify_intel_guest(obs);
  }
  if (any_snp_kernel_object(f) || any_tdx_kernel_object(f)) {
    return verdict(GuestMode::unknown, {"CC guest objects on a CPU vendor we do not model"});
  }
  // A guest on a vendor the rules do not model (Hygon, whose CSV reuses the SEV
  // interfaces; Zhaoxin; a hypervisor's own vendor string) may be a CC guest by means
  // we cannot read: "none" would be a guess.
  return verdict(GuestMode::unknown,
                 {std::string("guest on a CPU vendor the rules do not model") +
                  (c.amd_sev || c.amd_sme ? " that offers SEV-like memory encryption in "
                                            "CPUID 0x8000001F"
                                          : "") +
                  ": cannot decide"});
}

GuestVerdict classify_x86(const CcObservations& obs) {
  const CpuidFacts& c = obs.cpuid;
  const FileFacts& f = obs.files;
  if (!c.available) {
    return classify_x86_without_cpuid(f);
  }
  if (!c.hypervisor) {
    if (any_snp_kernel_object(f) || f.tdx_guest_device_node || f.cpu_flag_tdx_guest) {
      return verdict(GuestMode::unknown,
                     {"CPUID says bare metal (no hypervisor bit) but guest-only kernel objects "
                      "exist: contradictory"});
    }
    return verdict(GuestMode::none, {"CPUID hypervisor bit clear: bare metal, not a guest"});
  }
  std::vector<std::string> notes;
  if (c.hv_interface && c.hv_emulated) {
    // KVM/Xen offering Hyper-V enlightenments: their isolation leaves mean nothing.
    if (c.hv_isolation) {
      notes.emplace_back("Hyper-V interface is emulated by KVM or Xen: isolation leaves ignored");
    }
  } else if (c.hv_interface && c.hv_root_partition) {
    // The root partition runs the hypervisor's host OS: never a CC guest, whatever
    // SEV/TDX bits the CPU shows it.
    return verdict(GuestMode::none, {"Hyper-V root partition: this is the host, not a guest"});
  } else if (c.hv_interface && c.hv_isolation) {
    return classify_hyperv_isolation(c);
  }
  GuestVerdict result = classify_x86_guest_by_vendor(obs);
  result.reasons.insert(result.reasons.begin(), notes.begin(), notes.end());
  return result;
}

GuestVerdict classify_arm64(const FileFacts& f) {
  if (f.cca_platform_device) {
    return verdict(GuestMode::cca, {"Arm CCA realm: RSI platform device present"});
  }
  if (f.cca_guest_module_loaded) {
    return verdict(GuestMode::cca, {"Arm CCA realm: arm_cca_guest module loaded (it refuses "
                                    "to load outside a realm)"});
  }
  return verdict(GuestMode::none,
                 {"arm64 without a realm signal (arm-cca-dev needs kernel 6.14+; on 6.13 only a "
                  "loaded arm_cca_guest module shows a realm)"});
}

GuestVerdict classify_s390x(const FileFacts& f) {
  if (!f.s390_uv_facility) {
    return verdict(GuestMode::none,
                   {"s390x without the Ultravisor facility: not a Secure Execution guest"});
  }
  switch (f.s390_prot_virt_guest) {
    case Tri::yes:
      return verdict(GuestMode::protvirt, {"s390x Secure Execution: prot_virt_guest is 1"});
    case Tri::no:
      return verdict(GuestMode::none, {"s390x: prot_virt_guest is 0"});
    case Tri::absent:
      return verdict(GuestMode::unknown,
                     {"s390x Ultravisor present but prot_virt_guest missing (kernel too old "
                      "to say)"});
    case Tri::unreadable:
      break;
  }
  return verdict(GuestMode::unknown, {"s390x prot_virt_guest unreadable or garbled"});
}

bool enabled(Tri t) { return t == Tri::yes; }

}  // namespace

Arch host_arch(const CcObservations& obs) {
  if (obs.cpuid.available) {
    return Arch::x86;
  }
  if (obs.files.cpuinfo_arch != Arch::unknown) {
    return obs.files.cpuinfo_arch;
  }
  if (obs.files.s390_uv_facility) {
    return Arch::s390x;
  }
  if (obs.files.cca_platform_device || obs.files.cca_guest_module_loaded) {
    return Arch::arm64;
  }
  return Arch::unknown;
}

GuestVerdict classify_guest(const CcObservations& obs) {
  GuestVerdict result;
  switch (host_arch(obs)) {
    case Arch::x86:
      result = classify_x86(obs);
      break;
    case Arch::arm64:
      result = classify_arm64(obs.files);
      break;
    case Arch::s390x:
      result = classify_s390x(obs.files);
      break;
    case Arch::unknown:
      result = verdict(GuestMode::unknown,
                       {"nothing identifies the host: no CPUID, no readable /proc/cpuinfo, no "
                        "CC kernel object"});
      break;
  }
  for (const auto& path : obs.files.unreadable) {
    result.reasons.push_back("unreadable: " + path);
  }
  return result;
}

namespace {

void add_capability(HostVerdict& out, HostCapability cap, std::string why) {
  out.capabilities.push_back(cap);
  out.reasons.push_back(std::move(why));
}

bool misc_positive(const std::optional<std::uint64_t>& n) { return n && *n > 0; }

// kvm_amd rewrites its parameters to what setup enabled, but from 5.13 (SEV on by
// default, no PSP query at setup since 5.11) to about 6.16 it leaves sev=Y on CPUs
// without SEV firmware (AMDESE/AMDSEV#191, #291), and the misc cgroup capacity is set
// before the PSP check and never cleared. The PSP's "sev" device exists only when its
// firmware reports SEV, so every AMD capability also needs it.
void add_amd_capability(const FileFacts& f, HostCapability cap, Tri param,
                        const std::optional<std::uint64_t>& misc, const char* name,
                        HostVerdict& out) {
  const bool kvm_says = enabled(param) || ((param == Tri::absent || param == Tri::unreadable) &&
                                           f.kvm_amd_loaded && misc_positive(misc));
  if (!kvm_says) {
    return;
  }
  if (f.sev_firmware_device == Tri::unreadable) {
    out.reasons.push_back(std::string("kvm_amd reports ") + name +
                          " but the PSP's SEV firmware device cannot be checked (unreadable): "
                          "not counted as capable");
    return;
  }
  if (f.sev_firmware_device != Tri::yes) {
    out.reasons.push_back(std::string("kvm_amd reports ") + name +
                          " but the PSP's SEV firmware device is absent: not capable");
    return;
  }
  add_capability(out, cap,
                 std::string(enabled(param) ? "kvm_amd " : "misc cgroup grants ") + name +
                     (enabled(param) ? " enabled" : " ASIDs") + " and SEV firmware present");
}

// The traps: silicon that advertises a technology KVM did not enable.
void note_disabled_silicon(const CcObservations& obs, HostVerdict& out) {
  const FileFacts& f = obs.files;
  const bool amd_cpu_claims = obs.cpuid.amd_sev;
  const bool amd_enabled = enabled(f.kvm_amd_sev) || enabled(f.kvm_amd_sev_es);
  const bool amd_params_unreadable = f.kvm_amd_sev == Tri::unreadable ||
                                     f.kvm_amd_sev_es == Tri::unreadable ||
                                     f.kvm_amd_sev_snp == Tri::unreadable;
  if (amd_cpu_claims && !obs.cpuid.hypervisor && !amd_enabled && out.reasons.empty() &&
      amd_params_unreadable) {
    // A parameter we could not read is not "disabled" (never a negative fact).
    out.reasons.emplace_back(
        "CPU advertises SEV but kvm_amd's SEV parameters cannot be read: whether KVM enabled "
        "it is unknown; not counted as capable");
  } else if (amd_cpu_claims && !obs.cpuid.hypervisor && !amd_enabled && out.reasons.empty()) {
    out.reasons.emplace_back(
        f.kvm_amd_loaded ? "CPU advertises SEV but kvm_amd has it disabled (firmware, BIOS or "
                           "PSP not ready): not capable"
                         : "CPU advertises SEV but kvm_amd is not loaded: not capable");
  }
  if (f.cpu_flag_tdx_host_platform && !enabled(f.kvm_intel_tdx)) {
    out.reasons.emplace_back(
        "BIOS enabled TDX but kvm_intel has tdx disabled or is not loaded: not capable");
  }
}

}  // namespace

HostVerdict classify_host(const CcObservations& obs) {
  const FileFacts& f = obs.files;
  HostVerdict out;
  add_amd_capability(f, HostCapability::sev, f.kvm_amd_sev, f.misc_sev, "sev", out);
  add_amd_capability(f, HostCapability::sev_es, f.kvm_amd_sev_es, f.misc_sev_es, "sev_es", out);
  add_amd_capability(f, HostCapability::sev_snp, f.kvm_amd_sev_snp, std::nullopt, "sev_snp", out);
  if (enabled(f.kvm_intel_tdx)) {
    add_capability(out, HostCapability::tdx, "kvm_intel tdx enabled");
  } else if (f.kvm_intel_tdx != Tri::no && f.kvm_intel_loaded && misc_positive(f.misc_tdx)) {
    add_capability(out, HostCapability::tdx, "misc cgroup grants TDX keys");
  }
  if (enabled(f.s390_prot_virt_host)) {
    add_capability(out, HostCapability::protvirt, "s390x prot_virt_host is 1");
  }
  note_disabled_silicon(obs, out);
  if (out.capabilities.empty() && out.reasons.empty()) {
    out.reasons.emplace_back("no CC host capability enabled");
  }
  return out;
}

}  // namespace ztp::cc
