#pragma once
// `ztp-prem-fleet simulate`: writes a realistic fleet of status documents in the
// --publish dir: layout, for the demo, the benchmarks and the dashboard's e2e tests.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/result.h"
#include "fleet/status_document.h"

namespace ztp::fleet {

struct SimulateOptions {
  std::size_t nodes = 100;
  std::filesystem::path out;
  std::uint64_t seed = 1;
  TimePoint now;  // generatedAt of fresh documents is now minus up to one heartbeat
};

struct SimulateSummary {
  std::size_t nodes = 0;
  std::size_t documents = 0;
  std::size_t stale_nodes = 0;  // a document older than 30 min (the default --stale-after)
  std::size_t invalid_documents = 0;
  std::size_t missing_documents = 0;
};

// Same seed, nodes and now: byte-identical output. Files are written by atomic rename.
Result<SimulateSummary> simulate_fleet(const SimulateOptions& options);

// One valid document of the simulated kind (exposed for tests and benchmarks):
// index picks the node's traits deterministically from seed.
std::string simulated_document(Probe probe, std::size_t index, std::uint64_t seed, TimePoint now);
std::string simulated_node_name(std::size_t index);

}  // namespace ztp::fleet
