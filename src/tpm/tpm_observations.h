#pragma once
// Everything the TPM rules look at, gathered once from the host view.
// Plain data: rules are tested by filling this struct directly.
//
// Privacy: gathering reads the contents of exactly two kinds of files,
// tpmN/tpm_version_major and tpmN/device/uevent. PCR banks, TPM 1.x attributes,
// event logs, IMA lists and ACPI tables are judged by directory entry names only;
// /dev is listed, never opened below.

#include <optional>
#include <string>
#include <vector>

#include "host/host_view.h"
#include "host/recording.h"

namespace ztp::tpm {

// A directory that may be missing, empty, populated, or not listable.
enum class DirState { absent, empty, populated, unreadable };

// tpmN/tpm_version_major: absent before Linux 5.5 (Documentation/ABI/stable/sysfs-class-tpm).
enum class VersionFile { absent, tpm1, tpm2, unparsable, unreadable };

struct ChipFacts {
  std::string name;  // "tpm0"
  unsigned index = 0;
  bool listable = false;  // the chip's sysfs directory could be listed
  VersionFile version = VersionFile::absent;
  bool caps_in_class = false;   // tpmN/caps: TPM 1.x only (tpm-sysfs.c tpm1_dev_attrs)
  bool caps_in_device = false;  // tpmN/device/caps: where kernels before ~4.8 kept it
  bool device_link = false;     // tpmN/device: absent for vtpm_proxy chips
  bool virtual_path = false;    // /sys/devices/virtual/tpm/tpmN exists
  bool tpmrm_sysfs = false;     // /sys/class/tpmrm/tpmrmN exists (TPM 2.0 only, Linux >= 4.12)
  std::vector<std::string> pcr_banks;          // from pcr-<alg> names, Linux >= 5.12
  int ignored_bank_dirs = 0;                   // pcr-* names that are not plausible bank names
  bool raw_node = false;                       // /dev/tpmN is visible
  bool rm_node = false;                        // /dev/tpmrmN is visible
  std::optional<std::string> driver;           // DRIVER= of device/uevent, validated
  DirState securityfs_dir = DirState::absent;  // /sys/kernel/security/tpmN
  bool event_log = false;                      // .../binary_bios_measurements
  bool ascii_event_log = false;                // .../ascii_bios_measurements (TPM 1.x only)

  bool hardware() const { return device_link && !virtual_path; }
};

struct TpmObservations {
  bool sys_class_visible = false;  // /sys/class exists: sysfs is mounted in this view
  DirState class_tpm = DirState::absent;
  DirState class_tpmrm = DirState::absent;
  std::vector<ChipFacts> chips;   // by index
  int ignored_class_entries = 0;  // /sys/class/tpm names that are not tpmN

  DirState dev_dir = DirState::absent;
  std::vector<unsigned> raw_nodes;  // /dev/tpmN
  std::vector<unsigned> rm_nodes;   // /dev/tpmrmN

  DirState securityfs = DirState::absent;  // /sys/kernel/security: empty when not mounted
  bool ima = false;                        // an IMA measurement list is present

  DirState acpi_tables = DirState::absent;  // /sys/firmware/acpi/tables: masked in pods
  bool acpi_tpm2 = false;
  bool acpi_tcpa = false;

  // Paths that exist but could not be examined (EACCES, EIO): reported as evidence.
  std::vector<std::string> unreadable;
};

// Reads the host. Never fails: anything unreadable is recorded as such.
TpmObservations observe(const host::HostView& host);

// What a capture (--capture) keeps of these reads: the major version and the DRIVER= line
// as the parsers accept them, /dev's TPM node names; other listed names are kernel names.
host::CaptureRules capture_rules();

}  // namespace ztp::tpm
