#pragma once
// ztp-prem-tpm's detector: host view in, family + measured-boot facts + readiness,
// signals and evidence out. Never opens /dev/tpm* and never reads PCRs or logs.

#include <string>
#include <vector>

#include "common/findings.h"
#include "host/host_view.h"
#include "tpm/tpm_family.h"
#include "tpm/tpm_observations.h"

namespace ztp::tpm {

struct MeasuredBoot {
  bool event_log = false;
  bool ima = false;
  std::vector<std::string> pcr_banks;
  FirmwareTable firmware_table = FirmwareTable::none;
};

struct TpmDetection {
  Family family = Family::unknown;
  MeasuredBoot measured_boot;
  Readiness readiness = Readiness::none;
  std::vector<Missing> missing;
  Findings findings;
};

TpmDetection detect(const host::HostView& host);

// The same from observations already gathered (rules tests, benchmarks).
TpmDetection decide(const TpmObservations& obs);

}  // namespace ztp::tpm
