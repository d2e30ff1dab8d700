#pragma once
// ztp-prem-detect's detector: host view in, classification + signals + evidence out.

#include <vector>

#include "cc/cc_mode.h"
#include "cc/cc_observations.h"
#include "common/findings.h"
#include "host/host_view.h"

namespace ztp::cc {

struct CcDetection {
  GuestMode mode = GuestMode::unknown;
  std::vector<HostCapability> host_capabilities;
  Findings findings;
};

CcDetection detect(const host::HostView& host);

// The same from observations already gathered (rules tests, benchmarks).
CcDetection decide(const CcObservations& obs);

}  // namespace ztp::cc
