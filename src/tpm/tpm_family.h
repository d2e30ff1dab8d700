#pragma once
// The TPM vocabulary of TPMStatus documents (docs/tpm.md "Fields").

#include <string_view>

namespace ztp::tpm {

// What TPM surface the host has. Judged for the host's hardware chip, not for
// what this process may open (docs/tpm.md "How the family is decided").
enum class Family { tpm2_rm, tpm2_raw, tpm1_2, absent, unknown };

// Whether the node can do TPM 2.0 measured-boot attestation later on.
enum class Readiness { ready, partial, none };

// Which ACPI table describes a TPM to the OS (ACPI 6.5 5.2.6 "Reserved signatures").
enum class FirmwareTable { tpm2, tcpa, none };

// What keeps a node from "ready", in this fixed order.
enum class Missing {
  tpm2,              // no TPM 2.0 chip is established (absent, TPM 1.2, unknown)
  driver,            // firmware describes a TPM 2.0 but no chip is bound
  hardware_chip,     // only a virtual (vtpm_proxy) chip: no firmware-backed TPM
  resource_manager,  // TPM 2.0 without the kernel resource manager (/dev/tpmrmN)
  event_log,         // no firmware event log visible in securityfs
};

std::string_view to_string(Family family);
std::string_view to_string(Readiness readiness);
std::string_view to_string(FirmwareTable table);
std::string_view to_string(Missing missing);

inline constexpr Family k_all_families[] = {Family::tpm2_rm, Family::tpm2_raw, Family::tpm1_2,
                                            Family::absent, Family::unknown};
inline constexpr Readiness k_all_readiness[] = {Readiness::ready, Readiness::partial,
                                                Readiness::none};
inline constexpr Missing k_all_missing[] = {Missing::tpm2, Missing::driver, Missing::hardware_chip,
                                            Missing::resource_manager, Missing::event_log};

}  // namespace ztp::tpm
