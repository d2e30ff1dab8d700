#pragma once
// GET /metrics: the fleet gauges in Prometheus text format (prometheus-cpp's serializer).

#include <string>

#include "fleet/snapshot.h"

namespace ztp::fleet {

std::string metrics_text(const FleetCounts& counts);

}  // namespace ztp::fleet
