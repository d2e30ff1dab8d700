// The agent's steady state, per node and for a 5,000-node cluster.
// Run: build/release/bin/agent_bench   (figures in docs/agent.md)
#include <benchmark/benchmark.h>

#include <sstream>

#include "agent/agent.h"
#include "cli/probe_cli.h"
#include "k8s/fake_apiserver.h"
#include "k8s/tls_transport.h"
#include "publish/file_sinks.h"
#include "publish/k8s_sink.h"
#include "report/digest.h"
#include "testlib/fixed_clock.h"
#include "testlib/temp_tree.h"

namespace {

using namespace std::chrono_literals;

// Largest cluster Kubernetes supports (k8s.io/docs/setup/best-practices/cluster-large/).
constexpr double k_nodes = 5000;

ztp::host::Host this_machine() { return std::move(*ztp::host::Host::open({"/", {}, {}})); }

ztp::report::Envelope envelope() {
  ztp::report::Envelope e;
  e.node = "bench-node";
  e.wave = "bench";
  e.probe = {"ztp-prem-detect", ZTP_VERSION};
  return e;
}

// One steady-state cycle with nothing changed: detect on this machine, render,
// digest, compare; no sink is due, so nothing is written.
void BM_AgentCycleUnchanged(benchmark::State& state) {
  const auto spec = ztp::cli::cc_probe();
  auto host = this_machine();
  ztp::testing::FixedClock clock;
  std::ostringstream log_out;
  ztp::log::Logger logger(log_out, clock);
  ztp::testing::TempTree out;
  ztp::agent::Schedule schedule;
  schedule.heartbeat = std::chrono::seconds(1'000'000'000);  // never due during the run
  ztp::agent::Agent agent(
      schedule,
      [&] {
        auto e = envelope();
        e.generated_at = clock.wall_now();
        return spec.detect(host.view(), e);
      },
      {std::move(*ztp::publish::dir_sink(out.root()))}, clock, logger, 1);
  agent.step();  // the first write
  for (auto _ : state) {
    clock.advance(schedule.interval);
    benchmark::DoNotOptimize(agent.step());
  }
  if (agent.stats(0).attempts != 1) {
    state.SkipWithError("the unchanged document was written again");
  }
}
BENCHMARK(BM_AgentCycleUnchanged)->Unit(benchmark::kMicrosecond);

// The part of a cycle that is ours rather than the detector's.
void BM_RenderAndDigest(benchmark::State& state) {
  const auto spec = ztp::cli::cc_probe();
  auto host = this_machine();
  auto e = envelope();
  const auto doc = spec.detect(host.view(), e);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::publish::produce(doc));
  }
}
BENCHMARK(BM_RenderAndDigest)->Unit(benchmark::kMicrosecond);

// A changed document: the atomic file write (write, fsync, rename, fsync dir).
void BM_DirSinkWrite(benchmark::State& state) {
  ztp::testing::TempTree out;
  auto sink = std::move(*ztp::publish::dir_sink(out.root()));
  const auto spec = ztp::cli::cc_probe();
  auto host = this_machine();
  const auto p = ztp::publish::produce(spec.detect(host.view(), envelope()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sink.publish(p.view()));
  }
}
BENCHMARK(BM_DirSinkWrite)->Unit(benchmark::kMicrosecond);

// One server-side apply over TLS to the in-process fake (new connection each
// time, as the agent does): the cost of a heartbeat or a change.
void BM_ConfigMapApplyOverTls(benchmark::State& state) {
  const auto pki = ztp::testing::make_test_pki();
  ztp::testing::FakeApiServer server(pki);
  server.set_tokens({"bench"});
  server.start();
  ztp::k8s::TlsOptions o;
  o.host = "127.0.0.1";
  o.port = std::to_string(server.port());
  o.ca_pem = pki.ca_cert;
  auto transport = std::move(*ztp::k8s::TlsTransport::create(o));
  ztp::k8s::Credentials c;
  c.token = "bench";
  auto client = std::make_shared<ztp::k8s::ConfigMapClient>(*transport, c, "", "bench");
  auto sink = ztp::publish::k8s_sink(client, {"ztp-prem", "ztp-prem-detect"});
  const auto spec = ztp::cli::cc_probe();
  auto host = this_machine();
  const auto p = ztp::publish::produce(spec.detect(host.view(), envelope()));
  for (auto _ : state) {
    if (!sink.publish(p.view())) {
      state.SkipWithError("apply failed");
    }
  }
  server.stop();
}
BENCHMARK(BM_ConfigMapApplyOverTls)->Unit(benchmark::kMillisecond);

// API load: one simulated node for 24 h of fake time with its real schedule
// (60 s probe, 600 s +-10% heartbeat), content unchanged. Counts the writes that
// reach the sink and scales them to 5,000 nodes.
void BM_ApiRequestRateFor5000Nodes(benchmark::State& state) {
  const int changes_per_day = static_cast<int>(state.range(0));
  double writes_per_day = 0;
  for (auto _ : state) {
    ztp::testing::FixedClock clock;
    std::ostringstream log_out;
    ztp::log::Logger logger(log_out, clock);
    std::uint64_t writes = 0;
    int generation = 0;
    ztp::agent::Agent agent(
        ztp::agent::Schedule{},
        [&] {
          ztp::report::Document d;
          d.envelope.kind = "CCStatus";
          d.envelope.generated_at = clock.wall_now();
          d.body["generation"] = generation;
          return d;
        },
        {ztp::publish::Sink{"count",
                            [&](const ztp::publish::Publication&) -> ztp::publish::Outcome {
                              ++writes;
                              return {};
                            }}},
        clock, logger, 42);
    const auto start = clock.monotonic_now();
    const auto day = std::chrono::hours(24);
    const auto change_every = changes_per_day > 0 ? day / changes_per_day : day * 2;
    auto next_change = start + change_every;
    while (clock.monotonic_now() - start < day) {
      const auto next = agent.step();
      if (clock.monotonic_now() >= next_change) {
        ++generation;
        next_change += change_every;
      }
      clock.advance(std::min(next, next_change) - clock.monotonic_now());
    }
    writes_per_day = static_cast<double>(writes);
  }
  state.counters["writes_per_node_hour"] = writes_per_day / 24;
  state.counters["cluster_writes_per_s"] = writes_per_day * k_nodes / 86400;
  // LIST/WATCH requests from the agent: none, by construction (no such call exists).
}
BENCHMARK(BM_ApiRequestRateFor5000Nodes)->Arg(0)->Arg(24)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
