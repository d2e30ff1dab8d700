#pragma once
// GET /api/v1/nodes: query parameters -> a filtered, sorted page of rows.

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "fleet/snapshot.h"

namespace ztp::fleet {

// docs/fleet-api.md: limit defaults to 100, at most 1000.
inline constexpr std::size_t k_default_limit = 100;
inline constexpr std::size_t k_max_limit = 1000;

struct NodeQuery {
  std::optional<int> mode;
  std::optional<int> family;
  std::optional<int> readiness;
  std::optional<int> missing_part;  // index into k_missing_parts ("missing" parameter)
  std::optional<bool> stale;
  std::optional<std::string> wave;
  std::string name_contains;
  SortKey sort = SortKey::name;
  bool descending = false;
  std::size_t limit = k_default_limit;
  std::size_t offset = 0;  // from the continue token
};

// Parameter name -> value, as the HTTP layer decoded them (repeated names are an error).
using QueryParams = std::multimap<std::string, std::string>;

// bad_input with a one-line reason for unknown names, bad values or a foreign token.
Result<NodeQuery> parse_node_query(const QueryParams& params);

// {"items": [...], "total": n, "continue": token|null, "revision": r}
nlohmann::ordered_json run_node_query(const Snapshot& snapshot, const NodeQuery& query);

}  // namespace ztp::fleet
