#pragma once
// An immutable picture of the fleet at one revision. HTTP handlers share it by pointer
// and never lock the model; a change builds the next snapshot beside it.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/attest_document.h"
#include "fleet/status_document.h"
#include "fleet/vocabulary.h"

namespace ztp::fleet {

enum class RowState { ok, stale, partial, invalid };
std::string_view to_string(RowState state);

struct Row {
  std::string name;
  std::int8_t mode = -1;  // index into k_modes; -1 = no valid CC document
  std::uint8_t capabilities = 0;
  std::int8_t family = -1;     // index into k_families; -1 = no valid TPM document
  std::int8_t readiness = -1;  // index into k_readiness
  std::uint8_t missing_parts = 0;
  // The TPM document's bootState.changedAt: the audit seq where the node's quoted boot
  // digest last changed (none: never changed, not quoted, or no bootState).
  std::optional<std::uint64_t> boot_changed_at;
  // The attestation verifier's last verdict (attest.v1): index into k_attest_verdicts
  // (0 refused, 1 attested), -1 = no valid verdict. It does not age the row (a node
  // attests at boot, not every heartbeat) and its absence does not make the row partial.
  std::int8_t attestation = -1;
  std::int8_t attest_reason = -1;  // index into k_attest_reasons when refused
  std::string attest_group;
  std::optional<TimePoint> attested_at;  // the verdict's "when"
  std::string wave;                      // empty = no valid document
  RowState state = RowState::ok;
  bool stale = false;
  bool missing_cc = false;
  bool missing_tpm = false;
  std::vector<std::string> invalid_reasons;  // "cc: generatedAt: ..."
  std::optional<TimePoint> last_seen;
  // Each valid document's generatedAt (the Tier B verdict ages them separately).
  std::optional<TimePoint> cc_generated_at;
  std::optional<TimePoint> tpm_generated_at;
  std::shared_ptr<const std::string> cc_document;  // compact JSON of the valid document
  std::shared_ptr<const std::string> tpm_document;
  std::shared_ptr<const std::string> attest_document;
};

struct FleetCounts {
  std::size_t nodes = 0;
  std::size_t stale = 0;
  std::size_t invalid_nodes = 0;
  std::size_t invalid_documents = 0;
  std::array<std::size_t, k_modes.size()> modes{};
  std::array<std::size_t, k_capabilities.size()> capabilities{};
  std::size_t cc_missing = 0;
  std::array<std::size_t, k_families.size()> families{};
  std::array<std::size_t, k_readiness.size()> readiness{};
  // Nodes whose valid TPM document lists each readiness.missing part (stale included,
  // like families and readiness).
  std::array<std::size_t, k_missing_parts.size()> missing_parts{};
  std::size_t tpm_missing = 0;
  // Nodes whose valid TPM document says the quoted boot state changed (bootState.changedAt).
  std::size_t boot_state_changed = 0;
  // Nodes by the verifier's verdict (k_attest_verdicts), refusals by reason, and nodes
  // without a valid verdict.
  std::array<std::size_t, k_attest_verdicts.size()> attestation{};
  std::array<std::size_t, k_attest_reasons.size()> attest_reasons{};
  std::size_t attestation_none = 0;
  std::map<std::string, std::size_t, std::less<>> waves;
};

// Orders the node list can be served in; rows[] itself is by name.
enum class SortKey { name, mode, family, readiness, last_seen };
inline constexpr std::size_t k_sort_keys = 5;

struct Snapshot {
  std::uint64_t revision = 0;
  TimePoint generated_at;
  std::vector<Row> rows;  // sorted by name
  // order[key] lists row indexes in that key's ascending order (ties by name);
  // order[name] is empty (rows[] is already by name).
  std::array<std::vector<std::uint32_t>, k_sort_keys> order;
  FleetCounts counts;
  std::string fleet_json;  // GET /api/v1/fleet body, rendered once per revision

  const Row* find(std::string_view name) const;
};

}  // namespace ztp::fleet
