#pragma once
// The API's JSON shapes (docs/fleet-api.md, schema/fleet-openapi.v1.json).

#include <string>

#include <nlohmann/json.hpp>

#include "fleet/snapshot.h"

namespace ztp::fleet {

nlohmann::ordered_json row_json(const Row& row);
// GET /api/v1/fleet.
nlohmann::ordered_json fleet_json(const FleetCounts& counts, std::uint64_t revision,
                                  TimePoint generated_at);
// GET /api/v1/nodes/{name}: the row and both valid documents.
nlohmann::ordered_json node_detail_json(const Row& row);
// {"error": message}
std::string error_json(std::string_view message);

}  // namespace ztp::fleet
