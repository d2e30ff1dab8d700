// The eligible-node parameter shards at fleet scale (issue 17 item 7): planning and
// serialising the apply bodies for 10,000 and 65,000 simulated nodes, with the bodies'
// sizes as counters (the ConfigMap data limit is 1 MiB; etcd's request limit 1.5 MiB).
// The API server's cost of applying them: bench/enforce_bench.py.
#include <benchmark/benchmark.h>

#include "enforce/cluster.h"
#include "enforce/param_shards.h"
#include "fleet/simulator.h"

namespace {

std::map<std::string, std::string> eligible(std::size_t n) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.emplace(ztp::fleet::simulated_node_name(i), "sev-snp");
  }
  return out;
}

void BM_PlanAndSerialiseShards(benchmark::State& state) {
  const auto nodes = eligible(static_cast<std::size_t>(state.range(0)));
  std::size_t shards = 0;
  std::size_t max_body = 0;
  std::size_t total = 0;
  for (auto _ : state) {
    auto plan = ztp::enforce::plan_shards(nodes);
    if (!plan) {
      state.SkipWithError(plan.error().message.c_str());
      return;
    }
    shards = plan->size();
    max_body = 0;
    total = 0;
    for (const auto& s : *plan) {
      const std::string body = ztp::enforce::shard_body("ztp-prem", s);
      max_body = std::max(max_body, body.size());
      total += body.size();
    }
    benchmark::DoNotOptimize(total);
  }
  state.counters["shards"] = static_cast<double>(shards);
  state.counters["max_body_bytes"] = static_cast<double>(max_body);
  state.counters["total_bytes"] = static_cast<double>(total);
}
BENCHMARK(BM_PlanAndSerialiseShards)->Arg(10000)->Arg(65000)->Unit(benchmark::kMillisecond);

// One node's verdict flip at 65,000: re-plan and re-serialise everything (what the
// controller does on any change of the eligible set).
void BM_OneChangeAt65000(benchmark::State& state) {
  auto nodes = eligible(65000);
  bool drop = true;
  for (auto _ : state) {
    if (drop) {
      nodes.erase("cpu-000000");
    } else {
      nodes.emplace("cpu-000000", "sev-snp");
    }
    drop = !drop;
    auto plan = ztp::enforce::plan_shards(nodes);
    std::size_t total = 0;
    for (const auto& s : *plan) {
      total += ztp::enforce::shard_body("ztp-prem", s).size();
    }
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_OneChangeAt65000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
