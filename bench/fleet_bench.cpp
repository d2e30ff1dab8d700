// In-memory costs behind the fleet service's figures (bench/fleet_service_bench.py
// measures the whole process): parsing documents, loading a fleet, serving queries.
#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "fleet/fleet_state.h"
#include "fleet/node_query.h"
#include "fleet/simulator.h"

namespace {

using namespace ztp::fleet;
using namespace std::chrono_literals;

struct RawDocument {
  std::string node;
  Probe probe;
  std::string bytes;
};

std::vector<RawDocument> simulated(std::size_t nodes, TimePoint now) {
  std::vector<RawDocument> out;
  for (std::size_t i = 0; i < nodes; ++i) {
    for (const Probe probe : {Probe::cc, Probe::tpm}) {
      out.push_back({simulated_node_name(i), probe, simulated_document(probe, i, 1, now)});
    }
  }
  return out;
}

std::vector<DocumentUpdate> parse_all(const std::vector<RawDocument>& docs) {
  std::vector<DocumentUpdate> updates;
  updates.reserve(docs.size());
  for (const auto& d : docs) {
    DocumentUpdate u;
    u.node = d.node;
    u.probe = d.probe;
    u.document = parse_status_document(d.bytes, d.probe, d.node);
    updates.push_back(std::move(u));
  }
  return updates;
}

void BM_ParseDocument(benchmark::State& state) {
  const auto probe = state.range(0) == 0 ? Probe::cc : Probe::tpm;
  const std::string doc = simulated_document(probe, 3, 1, std::chrono::system_clock::now());
  const std::string node = simulated_node_name(3);
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_status_document(doc, probe, node));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(doc.size()));
}
BENCHMARK(BM_ParseDocument)->Arg(0)->Arg(1);

// Parse every document of an N-node fleet and publish the first snapshot.
void BM_LoadFleet(benchmark::State& state) {
  ztp::SystemClock clock;
  const auto docs = simulated(static_cast<std::size_t>(state.range(0)), clock.wall_now());
  for (auto _ : state) {
    FleetState fleet(clock, 30min);
    fleet.apply(parse_all(docs), true);
    benchmark::DoNotOptimize(fleet.snapshot());
  }
}
BENCHMARK(BM_LoadFleet)->Arg(10000)->Arg(50000)->Unit(benchmark::kMillisecond);

// One document changes in a loaded fleet: apply + publish the next snapshot.
void BM_ApplyOneChange(benchmark::State& state) {
  ztp::SystemClock clock;
  const auto docs = simulated(static_cast<std::size_t>(state.range(0)), clock.wall_now());
  FleetState fleet(clock, 30min);
  fleet.apply(parse_all(docs), true);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& d = docs[(i++ * 7919) % docs.size()];
    std::vector<DocumentUpdate> one;
    one.push_back({d.node, d.probe, false, false,
                   parse_status_document(i % 2 == 0 ? d.bytes : "{}", d.probe, d.node)});
    fleet.apply(std::move(one));
  }
}
BENCHMARK(BM_ApplyOneChange)->Arg(10000)->Arg(50000)->Unit(benchmark::kMillisecond);

void BM_NodeQuery(benchmark::State& state) {
  ztp::SystemClock clock;
  const auto docs = simulated(50000, clock.wall_now());
  FleetState fleet(clock, 30min);
  fleet.apply(parse_all(docs), true);
  const auto snap = fleet.snapshot();
  const QueryParams params =
      state.range(0) == 0
          ? QueryParams{{"limit", "100"}}
          : QueryParams{{"mode", "tdx"}, {"sort", "-lastSeen"}, {"q", "gpu"}, {"limit", "1000"}};
  const auto query = parse_node_query(params);
  for (auto _ : state) {
    benchmark::DoNotOptimize(run_node_query(*snap, *query).dump());
  }
}
BENCHMARK(BM_NodeQuery)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
