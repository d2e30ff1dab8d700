// Gathers CC observations through the host view. Every constant names its source.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "cc/cc_observations.h"
#include "common/text.h"

namespace ztp::cc {
namespace {

using host::CpuidRegs;

// CPUID leaves. Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix E.
constexpr std::uint32_t k_leaf_vendor = 0x0;
constexpr std::uint32_t k_leaf_features = 0x1;
constexpr std::uint32_t k_feature_ecx_hypervisor = 1u << 31;  // reserved for hypervisor use
constexpr std::uint32_t k_leaf_tdx = 0x21;                    // arch/x86/include/asm/shared/tdx.h
constexpr std::uint32_t k_leaf_ext_max = 0x80000000;
constexpr std::uint32_t k_leaf_amd_mem_encrypt = 0x8000001f;  // APM vol. 3 E.4.17
constexpr std::uint32_t k_mem_encrypt_eax_sme = 1u << 0;
constexpr std::uint32_t k_mem_encrypt_eax_sev = 1u << 1;
constexpr std::uint32_t k_mem_encrypt_eax_sev_es = 1u << 3;
constexpr std::uint32_t k_mem_encrypt_eax_sev_snp = 1u << 4;

// Hyper-V TLFS "Feature and Interface Discovery"; leaf numbers as in
// arch/x86/include/asm/hyperv-tlfs.h and systemd src/basic/confidential-virt.c.
constexpr std::uint32_t k_leaf_hv_vendor = 0x40000000;
constexpr std::uint32_t k_leaf_hv_min_max = 0x40000005;  // a real Hyper-V exposes at least this
constexpr std::uint32_t k_leaf_hv_max_max = 0x4000ffff;
constexpr std::uint32_t k_leaf_hv_features = 0x40000003;
constexpr std::uint32_t k_hv_ebx_cpu_management = 1u << 12;  // root partition
constexpr std::uint32_t k_hv_ebx_isolation = 1u << 22;
constexpr std::uint32_t k_leaf_hv_isolation = 0x4000000c;  // HYPERV_CPUID_ISOLATION_CONFIG
constexpr std::uint32_t k_hv_isolation_eax_paravisor = 1u << 0;
constexpr std::uint32_t k_hv_isolation_ebx_type_mask = 0xf;
// KVM and Xen place their own signature here when they also offer Hyper-V
// enlightenments (Documentation/virt/kvm/x86/cpuid.rst; Xen viridian).
constexpr std::uint32_t k_leaf_second_hypervisor = 0x40000100;

// AMD APM vol. 2 15.34.10 "SEV_STATUS MSR"; kernel msr-index.h MSR_AMD64_SEV.
constexpr std::uint32_t k_msr_sev_status = 0xc0010131;
constexpr std::uint64_t k_sev_status_sev = 1u << 0;
constexpr std::uint64_t k_sev_status_sev_es = 1u << 1;
constexpr std::uint64_t k_sev_status_sev_snp = 1u << 2;

// Only the first processor block of /proc/cpuinfo is needed; large hosts print MBs,
// and the kernel formats (and samples APERF/MPERF for) every block it returns.
constexpr std::size_t k_cpuinfo_head = 4096;

bool regs_spell(const CpuidRegs& r, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return r.ebx == b && r.ecx == c && r.edx == d;
}

// Vendor strings as EBX,EDX,ECX little-endian ASCII.
bool is_vendor(const CpuidRegs& r, const char (&name)[13]) {
  auto word = [&](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(name[i])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 3])) << 24;
  };
  return r.ebx == word(0) && r.edx == word(4) && r.ecx == word(8);
}

// Hypervisor signatures at 0x40000000/0x40000100 are EBX,ECX,EDX (not EBX,EDX,ECX).
bool is_hv_signature(const CpuidRegs& r, const char (&name)[13]) {
  auto word = [&](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(name[i])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 3])) << 24;
  };
  return regs_spell(r, word(0), word(4), word(8));
}

class Reader {
 public:
  explicit Reader(const host::FileSource& files, FileFacts& facts)
      : m_files(files), m_facts(facts) {}

  bool exists(std::string_view path) {
    auto present = m_files.exists(path);
    if (!present) {
      m_facts.unreadable.push_back(present.error().message);
      return false;
    }
    return *present;
  }

  // nullopt when absent; records unreadable files.
  std::optional<std::string> read(std::string_view path, std::size_t max = 4096) {
    auto text = m_files.read(path, max);
    if (!text) {
      if (text.error().kind != ErrorKind::not_found) {
        m_facts.unreadable.push_back(text.error().message);
      }
      return std::nullopt;
    }
    return std::move(*text);
  }

  // yes when any path exists; unreadable when none exists but one could not be examined
  // (EACCES on /dev): an object we could not look for is not reported absent.
  Tri presence(std::initializer_list<std::string_view> paths) {
    Tri out = Tri::absent;
    for (const auto path : paths) {
      auto present = m_files.exists(path);
      if (!present) {
        m_facts.unreadable.push_back(present.error().message);
        out = Tri::unreadable;
      } else if (*present) {
        return Tri::yes;
      }
    }
    return out;
  }

  Tri tri(std::string_view path) {
    auto text = m_files.read(path, 64);
    if (!text) {
      if (text.error().kind == ErrorKind::not_found) {
        return Tri::absent;
      }
      m_facts.unreadable.push_back(text.error().message);
      return Tri::unreadable;
    }
    const Tri value = parse_tri(*text);
    if (value == Tri::unreadable) {
      m_facts.unreadable.push_back("'" + std::string(path) + "': unexpected value");
    }
    return value;
  }

 private:
  const host::FileSource& m_files;
  FileFacts& m_facts;
};

MsrFacts read_msr_facts(const host::MsrSource& msr) {
  MsrFacts facts;
  auto value = msr.read(k_msr_sev_status);
  if (!value) {
    facts.unreadable_reason = value.error().message;
    return facts;
  }
  facts.sev_status_readable = true;
  facts.sev = (*value & k_sev_status_sev) != 0;
  facts.sev_es = (*value & k_sev_status_sev_es) != 0;
  facts.sev_snp = (*value & k_sev_status_sev_snp) != 0;
  return facts;
}

// What to look at. Each lookup costs 2-4 us of syscalls, as much as all the rules, so
// objects that cannot exist on the observed architecture are not looked up: arm64 and
// s390x kernels never create x86 objects and vice versa.
void read_x86_guest_objects(Reader& r, FileFacts& f);
void read_x86_host_objects(Reader& r, FileFacts& f);

struct Scope {
  // /proc/cpuinfo costs ~12 us per CPU block: read only without CPUID (to learn the
  // architecture) or on Intel (the TDX flags CPUID does not carry).
  bool cpuinfo;
  bool x86;           // SEV/TDX guest objects and KVM host parameters
  bool arm64;         // CCA realm objects
  bool s390x;         // Ultravisor
  bool guest_extras;  // CCEL, configfs-tsm: evidence only, meaningless on bare metal
};

FileFacts read_file_facts(const host::FileSource& files, const Scope& scope) {
  FileFacts f;
  Reader r(files, f);

  if (!scope.cpuinfo) {
    // CPUID already told the architecture and vendor.
  } else if (auto cpuinfo = r.read("/proc/cpuinfo", k_cpuinfo_head)) {
    f.cpuinfo_readable = true;
    f.cpuinfo_arch = arch_from_cpuinfo(*cpuinfo);
    if (auto flags = text::find_colon_field(*cpuinfo, "flags")) {
      // arch/x86/include/asm/cpufeatures.h: X86_FEATURE_TDX_GUEST "tdx_guest",
      // X86_FEATURE_TDX_HOST_PLATFORM "tdx_host_platform".
      f.cpu_flag_tdx_guest = text::has_word(*flags, "tdx_guest");
      f.cpu_flag_tdx_host_platform = text::has_word(*flags, "tdx_host_platform");
    }
  }

  if (scope.x86) {
    read_x86_guest_objects(r, f);
  }
  if (scope.guest_extras) {
    // ACPI 6.5 5.2.34 CC Event Log table; its presence only, never its contents.
    f.acpi_ccel_table = r.exists("/sys/firmware/acpi/tables/CCEL");
    // Documentation/ABI/testing/configfs-tsm: exists once the tsm module is loaded,
    // even with no provider; we never mkdir a report (that writes to the host).
    f.tsm_report_configfs = r.exists("/sys/kernel/config/tsm/report");
  }
  if (scope.arm64) {
    // Arm CCA: arch/arm64/kernel/rsi.c registers "arm-cca-dev" (6.14). A proposed,
    // unmerged series (Oct 2025) replaces it with the auxiliary device
    // "arm_cca_guest.arm-rsi-dev.0"; drivers/virt/coco/arm-cca-guest (6.13) only loads in
    // a realm (that series would drop this check, so the module rule follows upstream).
    f.cca_platform_device = r.exists("/sys/devices/platform/arm-cca-dev") ||
                            r.exists("/sys/bus/auxiliary/devices/arm_cca_guest.arm-rsi-dev.0");
    f.cca_guest_module_loaded = r.exists("/sys/module/arm_cca_guest/initstate");
  }
  if (scope.s390x) {
    // arch/s390/kernel/uv.c creates /sys/firmware/uv when facility 158 is present.
    f.s390_uv_facility = r.exists("/sys/firmware/uv");
    if (f.s390_uv_facility) {
      f.s390_prot_virt_guest = r.tri("/sys/firmware/uv/prot_virt_guest");
      f.s390_prot_virt_host = r.tri("/sys/firmware/uv/prot_virt_host");
    }
  }
  if (scope.x86) {
    read_x86_host_objects(r, f);
  }
  return f;
}

void read_x86_guest_objects(Reader& r, FileFacts& f) {
  // AMD SNP guest: the kernel registers this platform device only when
  // CC_ATTR_GUEST_SEV_SNP is set (arch/x86/coco/sev/core.c, snp_init_platform_device).
  f.sev_guest_platform_device = r.exists("/sys/devices/platform/sev-guest");
  // drivers/virt/coco/sev-guest/sev-guest.c: misc device "sev-guest".
  f.sev_guest_device_node = r.exists("/dev/sev-guest");
  // A loadable module has "initstate"; a built-in one only "parameters" (vmpck_id),
  // on every machine (Documentation/ABI/stable/sysfs-module; kmod libkmod-module.c).
  if (r.exists("/sys/module/sev_guest")) {
    f.sev_guest_module_loaded = r.exists("/sys/module/sev_guest/initstate");
    f.sev_guest_module_builtin = !f.sev_guest_module_loaded;
  }
  // Documentation/ABI/testing/sysfs-devices-system-cpu: "sev/vmpl", SNP guests only.
  f.sev_vmpl_sysfs = r.exists("/sys/devices/system/cpu/sev/vmpl");
  // drivers/virt/coco/tdx-guest/tdx-guest.c registers misc "tdx_guest" (visible in sysfs
  // even where /dev is not mounted); early documentation and TDX 1.0 tools used "tdx-guest".
  f.tdx_guest_device_node = r.exists("/sys/devices/virtual/misc/tdx_guest") ||
                            r.exists("/dev/tdx_guest") || r.exists("/dev/tdx-guest");
}

void read_x86_host_objects(Reader& r, FileFacts& f) {
  // arch/x86/kvm/svm/sev.c rewrites sev/sev_es/sev_snp to what setup actually
  // enabled; arch/x86/kvm/vmx/tdx.c does the same for kvm_intel "tdx".
  f.kvm_amd_loaded = r.exists("/sys/module/kvm_amd");
  if (f.kvm_amd_loaded) {
    f.kvm_amd_sev = r.tri("/sys/module/kvm_amd/parameters/sev");
    f.kvm_amd_sev_es = r.tri("/sys/module/kvm_amd/parameters/sev_es");
    f.kvm_amd_sev_snp = r.tri("/sys/module/kvm_amd/parameters/sev_snp");
  }
  f.kvm_intel_loaded = r.exists("/sys/module/kvm_intel");
  if (f.kvm_intel_loaded) {
    f.kvm_intel_tdx = r.tri("/sys/module/kvm_intel/parameters/tdx");
  }
  // drivers/crypto/ccp/sev-dev.c registers misc "sev" only when the PSP reports SEV
  // firmware (psp-dev.c); sysfs shows it even where /dev is not mounted.
  f.sev_firmware_device = r.presence({"/sys/devices/virtual/misc/sev", "/dev/sev"});
  if (!f.kvm_amd_loaded && !f.kvm_intel_loaded) {
    return;  // misc capacities for sev/sev_es/tdx are set by KVM itself
  }
  // Documentation/admin-guide/cgroup-v2.rst "Misc": capacity set by KVM at setup.
  auto misc = r.read("/sys/fs/cgroup/misc.capacity");
  if (!misc) {
    misc = r.read("/sys/fs/cgroup/misc/misc.capacity");  // cgroup v1 layout
  }
  if (misc) {
    f.misc_sev = text::find_keyed_count(*misc, "sev");
    f.misc_sev_es = text::find_keyed_count(*misc, "sev_es");
    f.misc_tdx = text::find_keyed_count(*misc, "tdx");
  }
}

}  // namespace

Tri parse_tri(std::string_view sysfs_value) {
  const auto value = text::parse_kernel_bool(sysfs_value);
  if (!value) {
    return Tri::unreadable;
  }
  return *value ? Tri::yes : Tri::no;
}

Arch arch_from_cpuinfo(std::string_view cpuinfo) {
  // arch/s390/kernel/processor.c prints "vendor_id       : IBM/S390".
  if (const auto vendor = text::find_colon_field(cpuinfo, "vendor_id")) {
    if (*vendor == "IBM/S390") {
      return Arch::s390x;
    }
    return Arch::x86;  // arch/x86/kernel/cpu/proc.c
  }
  // arch/arm64/kernel/cpuinfo.c prints "CPU implementer" per CPU.
  if (text::find_colon_field(cpuinfo, "CPU implementer")) {
    return Arch::arm64;
  }
  return Arch::unknown;
}

CpuidFacts read_cpuid_facts(const host::CpuidSource& cpuid) {
  CpuidFacts f;
  f.available = cpuid.available();
  if (!f.available) {
    return f;
  }
  const CpuidRegs vendor = cpuid.query(k_leaf_vendor);
  f.max_basic = vendor.eax;
  if (is_vendor(vendor, "AuthenticAMD")) {
    f.vendor = CpuVendor::amd;
  } else if (is_vendor(vendor, "GenuineIntel")) {
    f.vendor = CpuVendor::intel;
  }
  f.hypervisor = (cpuid.query(k_leaf_features).ecx & k_feature_ecx_hypervisor) != 0;
  f.max_extended = cpuid.query(k_leaf_ext_max).eax;
  if (f.max_extended >= k_leaf_amd_mem_encrypt) {
    const std::uint32_t eax = cpuid.query(k_leaf_amd_mem_encrypt).eax;
    f.amd_sme = (eax & k_mem_encrypt_eax_sme) != 0;
    f.amd_sev = (eax & k_mem_encrypt_eax_sev) != 0;
    f.amd_sev_es = (eax & k_mem_encrypt_eax_sev_es) != 0;
    f.amd_sev_snp = (eax & k_mem_encrypt_eax_sev_snp) != 0;
  }
  if (f.max_basic >= k_leaf_tdx) {
    // "IntelTDX    " as EBX, EDX, ECX.
    f.tdx_leaf = regs_spell(cpuid.query(k_leaf_tdx), 0x65746e49, 0x20202020, 0x5844546c);
  }
  if (!f.hypervisor) {
    return f;  // hypervisor leaves are undefined on bare metal
  }
  const CpuidRegs hv = cpuid.query(k_leaf_hv_vendor);
  f.hv_interface = is_hv_signature(hv, "Microsoft Hv") && hv.eax >= k_leaf_hv_min_max &&
                   hv.eax <= k_leaf_hv_max_max;
  if (!f.hv_interface) {
    return f;
  }
  const CpuidRegs second = cpuid.query(k_leaf_second_hypervisor);
  f.hv_emulated =
      is_hv_signature(second, "KVMKVMKVM\0\0\0") || is_hv_signature(second, "XenVMMXenVMM");
  const std::uint32_t features_ebx = cpuid.query(k_leaf_hv_features).ebx;
  f.hv_isolation = (features_ebx & k_hv_ebx_isolation) != 0;
  f.hv_root_partition = (features_ebx & k_hv_ebx_cpu_management) != 0;
  if (hv.eax >= k_leaf_hv_isolation) {
    const CpuidRegs isolation = cpuid.query(k_leaf_hv_isolation);
    f.hv_paravisor = (isolation.eax & k_hv_isolation_eax_paravisor) != 0;
    f.hv_isolation_type = isolation.ebx & k_hv_isolation_ebx_type_mask;
  }
  return f;
}

CcObservations observe(const host::HostView& host) {
  CcObservations obs;
  obs.cpuid = read_cpuid_facts(host.cpuid);
  Scope scope{};
  if (obs.cpuid.available) {
    scope.cpuinfo = obs.cpuid.vendor == CpuVendor::intel;
    scope.x86 = true;
    scope.guest_extras = obs.cpuid.hypervisor;
  } else {
    // No CPUID: an arm64 or s390x host, or an x86 replay without it. Look at everything.
    scope = Scope{true, true, true, true, true};
  }
  obs.files = read_file_facts(host.files, scope);
  // SEV_STATUS exists only on AMD and raises #GP outside a guest, so only a guest reads it.
  if (obs.cpuid.available && obs.cpuid.vendor == CpuVendor::amd && obs.cpuid.hypervisor) {
    obs.msr = read_msr_facts(host.msr);
  }
  return obs;
}

namespace {

// /proc/cpuinfo keeps only the fields read above, as the parser returned them (an s390
// "processor N: ... identification = ..." line is a machine serial, never kept).
std::string kept_cpuinfo(std::string_view cpuinfo) {
  std::string out;
  for (const std::string_view key : {"vendor_id", "CPU implementer", "flags"}) {
    if (const auto value = text::find_colon_field(cpuinfo, key)) {
      out.append(key).append("\t: ").append(*value).append("\n");
    }
  }
  return out;
}

// A kernel boolean keeps its short spelling ("Y", "0", "-1"); a long integer becomes Y/N
// and anything unparsable "?", which parses as unusable again.
std::string kept_kernel_bool(std::string_view value) {
  const auto parsed = text::parse_kernel_bool(value);
  if (!parsed) {
    return "?\n";
  }
  const std::string_view shown = text::trim(value);
  if (shown.size() <= 2) {
    return std::string(shown) + "\n";
  }
  return *parsed ? "Y\n" : "N\n";
}

std::string kept_misc_capacity(std::string_view misc) {
  std::string out;
  for (const std::string_view key : {"sev", "sev_es", "tdx"}) {
    if (const auto count = text::find_keyed_count(misc, key)) {
      out.append(key).append(" ").append(std::to_string(*count)).append("\n");
    }
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Why each object above is looked at, for a capture's manifest (sources: the comments at
// each lookup). capture_test checks that every path a profile makes this probe read has one.
std::string purpose(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> k_purposes[] = {
      {"/proc/cpuinfo", "architecture without CPUID; TDX flags on Intel"},
      {"/sys/devices/platform/sev-guest", "SNP guest: platform device"},
      {"/dev/sev-guest", "SNP guest: sev-guest driver node"},
      {"/sys/module/sev_guest", "SNP guest: sev-guest driver present"},
      {"/sys/module/sev_guest/initstate", "SNP guest: sev-guest loadable (vs built in)"},
      {"/sys/devices/system/cpu/sev/vmpl", "SNP guest: VMPL in sysfs (6.11+)"},
      {"/sys/devices/virtual/misc/tdx_guest", "TDX guest: driver's misc device"},
      {"/dev/tdx_guest", "TDX guest: driver node"},
      {"/dev/tdx-guest", "TDX guest: driver node (early name)"},
      {"/sys/firmware/acpi/tables/CCEL", "CC guest evidence: CC event log table exists"},
      {"/sys/kernel/config/tsm/report", "CC guest evidence: configfs-tsm loaded"},
      {"/sys/devices/platform/arm-cca-dev", "Arm CCA realm: RSI platform device (6.14)"},
      {"/sys/bus/auxiliary/devices/arm_cca_guest.arm-rsi-dev.0", "Arm CCA realm: RSI device"},
      {"/sys/module/arm_cca_guest/initstate", "Arm CCA realm: guest module loaded"},
      {"/sys/firmware/uv", "s390: Ultravisor facility"},
      {"/sys/firmware/uv/prot_virt_guest", "s390: Secure Execution guest"},
      {"/sys/firmware/uv/prot_virt_host", "s390: Secure Execution host"},
      {"/sys/module/kvm_amd", "AMD host: KVM loaded"},
      {"/sys/module/kvm_amd/parameters/sev", "AMD host: KVM enabled SEV"},
      {"/sys/module/kvm_amd/parameters/sev_es", "AMD host: KVM enabled SEV-ES"},
      {"/sys/module/kvm_amd/parameters/sev_snp", "AMD host: KVM enabled SEV-SNP"},
      {"/sys/module/kvm_intel", "Intel host: KVM loaded"},
      {"/sys/module/kvm_intel/parameters/tdx", "Intel host: KVM enabled TDX"},
      {"/sys/devices/virtual/misc/sev", "AMD host: PSP SEV firmware device"},
      {"/dev/sev", "AMD host: PSP SEV firmware node"},
      {"/sys/fs/cgroup/misc.capacity", "host: KVM's SEV/TDX guest capacity"},
      {"/sys/fs/cgroup/misc/misc.capacity", "host: KVM's SEV/TDX guest capacity (cgroup v1)"},
  };
  for (const auto& [p, why] : k_purposes) {
    if (p == path) {
      return std::string(why);
    }
  }
  return {};
}

}  // namespace

host::CaptureRules capture_rules() {
  host::CaptureRules rules;
  rules.contents = [](std::string_view path,
                      std::string_view contents) -> std::optional<host::KeptContents> {
    if (path == "/proc/cpuinfo") {
      return host::KeptContents{kept_cpuinfo(contents),
                                "architecture and TDX flags: vendor_id, CPU implementer and "
                                "flags fields only"};
    }
    if (path.size() > 14 && path.substr(path.size() - 14) == "/misc.capacity") {
      return host::KeptContents{kept_misc_capacity(contents),
                                "KVM's misc cgroup capacities: sev, sev_es, tdx counts only"};
    }
    // Every other file this probe reads is a kernel boolean (Reader::tri above).
    if ((starts_with(path, "/sys/module/") && path.find("/parameters/") != std::string::npos) ||
        starts_with(path, "/sys/firmware/uv/")) {
      return host::KeptContents{kept_kernel_bool(contents),
                                "kernel boolean: its short spelling, or ? when unparsable"};
    }
    return std::nullopt;
  };
  // This probe lists no directory.
  rules.purpose = purpose;
  rules.msr_mask = [](std::uint32_t index) -> std::uint64_t {
    return index == k_msr_sev_status ? k_sev_status_sev | k_sev_status_sev_es | k_sev_status_sev_snp
                                     : 0;
  };
  return rules;
}

}  // namespace ztp::cc
