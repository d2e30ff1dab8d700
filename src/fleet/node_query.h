#pragma once
// GET /api/v1/nodes: query parameters -> a filtered, sorted page of rows.

#include <cstddef>
#include <map>
#include <memory>
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
  std::optional<int> attestation;  // "attested": 1 true, 0 false, -1 none (Row::attestation)
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

// The same JSON text, written a part at a time (about k_part_bytes each) from a shared
// snapshot: no page is ever held whole, so concurrent queries cost little memory.
class NodePageWriter {
 public:
  static constexpr std::size_t k_part_bytes = 32 * 1024;
  NodePageWriter(std::shared_ptr<const Snapshot> snapshot, NodeQuery query);
  // Appends the next part to out; false after the last one.
  bool next(std::string& out);

 private:
  std::shared_ptr<const Snapshot> m_snapshot;
  NodeQuery m_query;
  std::size_t m_pos = 0;    // rows scanned
  std::size_t m_total = 0;  // matches so far
  bool m_started = false;
};

}  // namespace ztp::fleet
