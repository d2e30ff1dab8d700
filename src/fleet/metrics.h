#pragma once
// GET /metrics: the fleet gauges in Prometheus text format (prometheus-cpp's serializer).

#include <string>

#include "fleet/enforcement_report.h"
#include "fleet/snapshot.h"

namespace ztp::fleet {

std::string metrics_text(const FleetCounts& counts);
// The Tier B gauges of the enforcement report (docs/enforcement.md). Figures only while the
// report is valid: an absent or invalid report exports no figure, only its status.
std::string enforcement_metrics_text(const EnforcementView& view);

}  // namespace ztp::fleet
