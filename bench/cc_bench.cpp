// One CC detection pass, three ways: the pure rules, a fixture tree, and this machine.
// Run: build/release/bin/cc_bench   (figures go in the closing note)
#include <benchmark/benchmark.h>

#include <string>

#include "cc/cc_detector.h"
#include "host/host_view.h"

namespace {

const std::string k_fixture = std::string(ZTP_SOURCE_DIR) + "/testdata/hosts/";

ztp::host::Host open_profile(const std::string& name) {
  const std::string dir = k_fixture + name;
  auto host = ztp::host::Host::open({dir + "/root", dir + "/cpuid.txt", std::nullopt});
  if (!host) {
    throw std::runtime_error(host.error().message);
  }
  return std::move(*host);
}

// Cold: a fresh host view per pass, as a one-shot probe run pays it (CPUID not yet
// remembered: every CPUID is a VM exit inside a VM).
void BM_ColdDetectionPassOnThisMachine(benchmark::State& state) {
  for (auto _ : state) {
    auto host = ztp::host::Host::open({"/", std::nullopt, std::nullopt});
    benchmark::DoNotOptimize(ztp::cc::detect(host->view()));
  }
}
BENCHMARK(BM_ColdDetectionPassOnThisMachine)->Unit(benchmark::kMicrosecond);

// Warm: the agent's steady state (--watch re-probes with the same host view).
void BM_WarmDetectionPassOnThisMachine(benchmark::State& state) {
  auto host = ztp::host::Host::open({"/", std::nullopt, std::nullopt});
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::cc::detect(host->view()));
  }
}
BENCHMARK(BM_WarmDetectionPassOnThisMachine)->Unit(benchmark::kMicrosecond);

void BM_DetectionPassOnFixture(benchmark::State& state, const char* profile) {
  const auto host = open_profile(profile);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::cc::detect(host.view()));
  }
}
BENCHMARK_CAPTURE(BM_DetectionPassOnFixture, snp_host, "cc-amd-epyc-snp-host-6.11")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DetectionPassOnFixture, azure_snp, "cc-azure-dcasv5-snp-paravisor")
    ->Unit(benchmark::kMicrosecond);

void BM_RulesOnly(benchmark::State& state) {
  const auto host = open_profile("cc-qemu-snp-guest-6.8");
  const auto obs = ztp::cc::observe(host.view());
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::cc::decide(obs));
  }
}
BENCHMARK(BM_RulesOnly);

}  // namespace

BENCHMARK_MAIN();
