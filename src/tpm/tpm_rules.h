#pragma once
// The TPM decision rules: pure functions of TpmObservations (docs/tpm.md).
//
// Family precedence:
//  1. Sysfs first. The chip that decides is the lowest-numbered chip with a parent
//     device that does not sit under /sys/devices/virtual (a firmware-described
//     TPM); only when there is none, the lowest-numbered (virtual) chip. Other chips,
//     e.g. a vtpm_proxy tpm1 next to the hardware tpm0, are listed in the evidence.
//  2. For that chip, strong TPM 2.0 clues are tpm_version_major = 2, tpmrmN in
//     /sys/class/tpmrm, a visible /dev/tpmrmN, and a PCR bank other than sha1;
//     strong TPM 1.2 clues are tpm_version_major = 1 and a caps attribute (in the
//     chip directory or under device/). Clues of both kinds: unknown.
//  3. No strong clue: with no tpm_version_major at all (kernels before 5.5) and no
//     TPM 1.x attribute, the chip is a TPM 2.0 (the kernel gives every 1.x chip caps);
//     a version file that is unreadable or not "1"/"2", or a chip directory that
//     cannot be listed, gives unknown.
//  4. A TPM 2.0 is tpm2-rm when tpmrmN exists in sysfs or /dev, else tpm2-raw.
//  5. Device nodes second: no chip in sysfs, /sys/class/tpm absent and /dev/tpmrmN
//     visible -> tpm2-rm; only /dev/tpmN -> unknown (1.2 and 2.0 look alike there);
//     /dev nodes next to an empty /sys/class/tpm -> unknown (stale nodes).
//  6. Nothing: absent when sysfs is visible (/sys/class exists), unknown when not,
//     and unknown when /sys/class/tpm cannot be listed.
//
// Readiness: ready = TPM 2.0 with a resource manager, a hardware chip and a firmware
// event log; partial = a TPM 2.0 lacking one of those; none = no TPM 2.0.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "tpm/tpm_family.h"
#include "tpm/tpm_observations.h"

namespace ztp::tpm {

enum class ChipKind { tpm2, tpm1_2, undetermined, contradictory };

struct ChipVerdict {
  ChipKind kind = ChipKind::undetermined;
  bool inferred = false;  // TPM 2.0 from the absence of TPM 1.x attributes (rule 3)
  std::vector<std::string> reasons;
};

struct TpmVerdict {
  Family family = Family::unknown;
  std::optional<std::size_t> primary;  // index into TpmObservations::chips
  bool family_inferred = false;
  bool family_from_device_nodes = false;
  bool contradiction = false;
  bool device_node_hidden = false;  // sysfs shows the chip, this view lacks its /dev node
  bool firmware_without_driver = false;

  // measuredBoot
  bool event_log = false;
  std::vector<std::string> pcr_banks;
  FirmwareTable firmware_table = FirmwareTable::none;

  Readiness readiness = Readiness::none;
  std::vector<Missing> missing;  // in k_all_missing order
  std::vector<std::string> reasons;
};

// Rule 1: which chip describes the host; nullopt when sysfs shows none.
std::optional<std::size_t> primary_chip(const TpmObservations& obs);
// Rules 2 and 3 for one chip.
ChipVerdict classify_chip(const ChipFacts& chip);
// Everything.
TpmVerdict classify(const TpmObservations& obs);

}  // namespace ztp::tpm
