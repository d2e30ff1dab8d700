#pragma once
// The CC decision rules: pure functions of CcObservations.
//
// Precedence, most to least specific (README "How a mode is decided"):
//  1. The architecture comes from CPUID when the host has it, else /proc/cpuinfo.
//  2. x86 without the hypervisor bit is bare metal: never a guest. A guest-only
//     device on bare metal is a contradiction: unknown.
//  3. Hyper-V isolation (Azure paravisor), trusted only from a genuine, non-root,
//     non-emulated Hyper-V interface: type 2 -> sev-snp, 3 -> tdx, 1 (VBS) -> none.
//  4. Intel: the TDX CPUID leaf -> tdx. TDX guest devices without it -> unknown.
//  5. AMD: a readable SEV_STATUS MSR decides; SNP-only kernel objects must agree.
//     Without the MSR: SNP-only kernel objects -> sev-snp; no SEV CPUID bit -> none
//     (Linux cannot enable SEV without it); otherwise unknown (sev, sev-es or none).
//  6. arm64: the realm platform device or a loaded arm_cca_guest module -> cca.
//  7. s390x: prot_virt_guest -> protvirt.
//  8. Nothing readable at all -> unknown, never none.

#include <string>
#include <vector>

#include "cc/cc_mode.h"
#include "cc/cc_observations.h"

namespace ztp::cc {

struct GuestVerdict {
  GuestMode mode = GuestMode::unknown;
  std::vector<std::string> reasons;
};

struct HostVerdict {
  std::vector<HostCapability> capabilities;  // in k_all_capabilities order
  std::vector<std::string> reasons;
};

Arch host_arch(const CcObservations& obs);
GuestVerdict classify_guest(const CcObservations& obs);
HostVerdict classify_host(const CcObservations& obs);

}  // namespace ztp::cc
