// One TPM detection pass: on fixture trees (file system work included), on this
// machine, and the pure rules alone.
// Run: build/release/bin/tpm_bench   (figures go in the closing note)
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include "host/host_view.h"
#include "tpm/tpm_detector.h"

namespace {

const std::string k_hosts = std::string(ZTP_SOURCE_DIR) + "/testdata/hosts/";

ztp::host::Host open_root(const std::string& root) {
  // The TPM probe reads no CPU state; an empty CPUID replay keeps the host view cheap.
  auto host = ztp::host::Host::open({root, "/dev/null", std::nullopt});
  if (!host) {
    throw std::runtime_error(host.error().message);
  }
  return std::move(*host);
}

void BM_TpmDetectionPassOnFixture(benchmark::State& state, const char* profile) {
  const auto host = open_root(k_hosts + profile + "/root");
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::tpm::detect(host.view()));
  }
}
BENCHMARK_CAPTURE(BM_TpmDetectionPassOnFixture, baremetal, "tpm-baremetal-dtpm2-k61")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_TpmDetectionPassOnFixture, hw_plus_vtpm, "tpm-hw-plus-vtpm")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_TpmDetectionPassOnFixture, no_tpm, "tpm-none-firecracker")
    ->Unit(benchmark::kMicrosecond);

void BM_TpmDetectionPassOnThisMachine(benchmark::State& state) {
  const auto host = open_root("/");
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::tpm::detect(host.view()));
  }
}
BENCHMARK(BM_TpmDetectionPassOnThisMachine)->Unit(benchmark::kMicrosecond);

void BM_TpmRulesOnly(benchmark::State& state) {
  const auto host = open_root(k_hosts + "tpm-baremetal-dtpm2-k61/root");
  const auto obs = ztp::tpm::observe(host.view());
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::tpm::decide(obs));
  }
}
BENCHMARK(BM_TpmRulesOnly);

}  // namespace

BENCHMARK_MAIN();
