#pragma once
// Everything the CC rules look at, gathered once from the host view.
// Plain data: rules are tested by filling this struct directly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/host_view.h"
#include "host/recording.h"

namespace ztp::cc {

enum class Arch { unknown, x86, arm64, s390x };
enum class CpuVendor { other, amd, intel };

// A sysfs value that may be absent, readable, or present but unusable.
enum class Tri { absent, no, yes, unreadable };

struct CpuidFacts {
  bool available = false;
  CpuVendor vendor = CpuVendor::other;
  bool hypervisor = false;              // CPUID.1:ECX[31]
  std::uint32_t max_basic = 0;          // CPUID.0:EAX
  std::uint32_t max_extended = 0;       // CPUID.80000000h:EAX
  bool amd_sme = false;                 // CPUID.8000001Fh:EAX[0]
  bool amd_sev = false;                 // CPUID.8000001Fh:EAX[1]
  bool amd_sev_es = false;              // CPUID.8000001Fh:EAX[3]
  bool amd_sev_snp = false;             // CPUID.8000001Fh:EAX[4]
  bool tdx_leaf = false;                // CPUID.21h = "IntelTDX    "
  bool hv_interface = false;            // "Microsoft Hv" at 40000000h with a sane max leaf
  bool hv_emulated = false;             // KVM/Xen signature at 40000100h as well
  bool hv_isolation = false;            // 40000003h:EBX[22]
  bool hv_root_partition = false;       // 40000003h:EBX[12] CpuManagement
  bool hv_paravisor = false;            // 4000000Ch:EAX[0]
  std::uint32_t hv_isolation_type = 0;  // 4000000Ch:EBX[3:0]; 0 when not readable
};

struct MsrFacts {
  bool sev_status_readable = false;  // MSR C001_0131h
  bool sev = false;
  bool sev_es = false;
  bool sev_snp = false;
  std::string unreadable_reason;
};

struct FileFacts {
  // /proc/cpuinfo is read only without CPUID or on Intel (see cc_observe.cpp).
  bool cpuinfo_readable = false;
  Arch cpuinfo_arch = Arch::unknown;
  bool cpu_flag_tdx_guest = false;
  bool cpu_flag_tdx_host_platform = false;

  // Guest side.
  bool sev_guest_platform_device = false;
  bool sev_guest_device_node = false;
  bool sev_guest_module_loaded = false;
  bool sev_guest_module_builtin = false;
  bool sev_vmpl_sysfs = false;
  bool tdx_guest_device_node = false;
  bool acpi_ccel_table = false;
  bool tsm_report_configfs = false;
  bool cca_platform_device = false;
  bool cca_guest_module_loaded = false;
  bool s390_uv_facility = false;
  Tri s390_prot_virt_guest = Tri::absent;
  Tri s390_prot_virt_host = Tri::absent;

  // Host side.
  bool kvm_amd_loaded = false;
  Tri kvm_amd_sev = Tri::absent;
  Tri kvm_amd_sev_es = Tri::absent;
  Tri kvm_amd_sev_snp = Tri::absent;
  bool kvm_intel_loaded = false;
  Tri kvm_intel_tdx = Tri::absent;
  Tri sev_firmware_device = Tri::absent;  // yes, absent, or unreadable (never "no")
  std::optional<std::uint64_t> misc_sev;
  std::optional<std::uint64_t> misc_sev_es;
  std::optional<std::uint64_t> misc_tdx;

  // Paths that exist but could not be examined (EACCES, EIO): reported as evidence.
  std::vector<std::string> unreadable;
};

struct CcObservations {
  CpuidFacts cpuid;
  MsrFacts msr;
  FileFacts files;
};

// Reads the host. Never fails: anything unreadable is recorded as such.
CcObservations observe(const host::HostView& host);

// What a capture (--capture) keeps of this probe's reads: the fields of /proc/cpuinfo, the
// kernel booleans and misc.capacity counts the rules parse, the SEV_STATUS bits they test.
host::CaptureRules capture_rules();

// Pure helpers the collector uses; exposed for unit tests and fuzzing.
CpuidFacts read_cpuid_facts(const host::CpuidSource& cpuid);
Arch arch_from_cpuinfo(std::string_view cpuinfo);
Tri parse_tri(std::string_view sysfs_value);

}  // namespace ztp::cc
