#pragma once
// The TPM vocabulary of TPMStatus documents (docs/tpm.md "Fields"): generated from
// schema/tpmstatus.v1.schema.json (docs/vocabulary.md).

#include "vocabulary/vocabulary.gen.h"

namespace ztp::tpm {

// What TPM surface the host has. Judged for the host's hardware chip, not for
// what this process may open (docs/tpm.md "How the family is decided").
using Family = vocab::TpmFamily;

// Whether the node can do TPM 2.0 measured-boot attestation later on.
using Readiness = vocab::TpmReadiness;

// Which ACPI table describes a TPM to the OS (ACPI 6.5 5.2.6 "Reserved signatures").
using FirmwareTable = vocab::TpmFirmwareTable;

// What keeps a node from "ready", in this fixed order: tpm2 (no TPM 2.0 chip is
// established: absent, TPM 1.2, unknown), driver (firmware describes a TPM 2.0 but no chip
// is bound), hardware_chip (only a virtual vtpm_proxy chip), resource_manager (TPM 2.0
// without /dev/tpmrmN), event_log (no firmware event log visible in securityfs).
using Missing = vocab::TpmMissingPart;

using vocab::to_string;

inline constexpr const auto& k_all_families = vocab::k_tpm_family_values;
inline constexpr const auto& k_all_readiness = vocab::k_tpm_readiness_values;
inline constexpr const auto& k_all_missing = vocab::k_tpm_missing_part_values;

}  // namespace ztp::tpm
