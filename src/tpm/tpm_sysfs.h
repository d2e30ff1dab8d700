#pragma once
// Pure parsers for the names and the few values the TPM probe looks at.
// They take std::string_view, never touch the host, and are unit-tested and fuzzed.
// Only two file *contents* are ever parsed: tpm_version_major and the parent
// device's uevent. Everything else (PCR banks, event logs, IMA, ACPI tables) is
// judged from directory entry names.

#include <optional>
#include <string_view>

namespace ztp::tpm::sysfs {

// /sys/class/tpm/tpmN/tpm_version_major prints "%s\n" of "1" or "2"
// (drivers/char/tpm/tpm-sysfs.c, tpm_version_major_show). Anything else: nullopt.
std::optional<int> parse_version_major(std::string_view value);

// "tpm0" with prefix "tpm" -> 0; "tpmrm3" with prefix "tpmrm" -> 3. The kernel names
// chips "tpm%d" and resource managers "tpmrm%d" with dev_num < TPM_NUM_DEVICES = 65536
// (drivers/char/tpm/tpm-chip.c, tpm.h). Leading zeros, signs, or larger numbers: nullopt.
std::optional<unsigned> parse_indexed_name(std::string_view name, std::string_view prefix);

// "pcr-sha256" -> "sha256": one directory per allocated bank, named "pcr-" plus the
// kernel's hash_algo_name (drivers/char/tpm/tpm-sysfs.c; crypto/hash_info.c).
// Names outside [a-z0-9_-]{1,16} are not banks: nullopt.
std::optional<std::string_view> pcr_bank_name(std::string_view dir_name);

// The DRIVER= line of a device's uevent (drivers/base/core.c, dev_uevent), e.g.
// "tpm_crb". Only [A-Za-z0-9_.-]{1,32} is accepted: nothing else is ever echoed.
std::optional<std::string_view> uevent_driver(std::string_view uevent);

// IMA measurement lists in securityfs: "ascii_runtime_measurements",
// "binary_runtime_measurements", and the per-bank "..._sha256" variants of newer
// kernels (security/integrity/ima/ima_fs.c).
bool is_ima_measurement_list(std::string_view name);

}  // namespace ztp::tpm::sysfs
