// Sealed-key release (issue 14): one attest round on swtpm through the real verifier over
// HTTPS (p50/p99), a first round that also registers, the verifier's quote checks per
// second on one core on recorded quotes, and its software MakeCredential.
// Run: build/release/bin/attest_bench   (needs swtpm)
// swtpm is software on loopback: a hardware TPM's ECC quote alone takes 0.2-0.6 s
// (research note attest.md section 9).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "attest/attest_harness.h"
#include "attest/credential.h"
#include "attest/release.h"
#include "attest/sealed_cache.h"
#include "esapi/attestation.h"
#include "esapi/endorsement.h"
#include "esapi/esapi_session.h"
#include "tpmquote/pcr_selection.h"

namespace {

namespace attest = ztp::attest;
using attest::testing::Harness;
using ztp::testing::SwtpmProcess;

std::unique_ptr<SwtpmProcess> tpm_or_throw() {
  auto tpm = attest::testing::start_tpm();
  if (!tpm) {
    throw std::runtime_error("swtpm is not installed");
  }
  return tpm;
}

void percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) {
    return;
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// Registered and approved once; each round: TLS connect, nonce, AK CreatePrimary + Quote on
// the TPM, attest on the same connection (signature, selection, binding, policy, ECDH +
// AES-GCM), open the released secret. What `ztp-prem-tpm attest` does after its first run
// when its sealed cache does not open.
void BM_AttestRound(benchmark::State& state) {
  auto tpm = tpm_or_throw();
  Harness h;
  h.put_secret("s1", "topsecret");
  (void)attest::attest_node(h.node(*tpm, "n1"));
  h.approve_presented("n1");
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = attest::attest_node(h.node(*tpm, "n1"));
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!r || !*r) {
      state.SkipWithError("not released");
      break;
    }
  }
  percentiles(state, us);
}
BENCHMARK(BM_AttestRound)->Unit(benchmark::kMicrosecond)->Iterations(500)->UseRealTime();

// The sealed cache's round (a reboot into the same state): TPM session, SRK CreatePrimary,
// Load, PolicyPCR + PolicyCounterTimer, Unseal, AES-GCM open. No verifier.
void BM_UnsealFromCache(benchmark::State& state) {
  auto tpm = tpm_or_throw();
  ztp::testing::TempTree dir;
  const auto path = dir.root() / "s.sealed";
  {
    auto session = ztp::esapi::Session::open(tpm->tcti_config()).value();
    if (!attest::write_sealed_cache(session, path, "s1", "topsecret", std::chrono::hours(1))) {
      state.SkipWithError("cannot seal");
      return;
    }
  }
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto session = ztp::esapi::Session::open(tpm->tcti_config()).value();
    auto r = attest::read_sealed_cache(session, path, "s1");
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!r || !*r) {
      state.SkipWithError("the cache did not open");
      break;
    }
  }
  percentiles(state, us);
}
BENCHMARK(BM_UnsealFromCache)->Unit(benchmark::kMicrosecond)->Iterations(200)->UseRealTime();

// A first round for a new node name: registration (EK CreatePrimary RSA 2048, AK, software
// MakeCredential, ActivateCredential, proof) and then the attest round.
void BM_RegisterAndAttestRound(benchmark::State& state) {
  auto tpm = tpm_or_throw();
  Harness h;
  h.put_secret("s1", "topsecret");
  (void)attest::attest_node(h.node(*tpm, "n0"));
  h.approve_presented("n0");
  std::vector<double> us;
  int i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = attest::attest_node(h.node(*tpm, "n" + std::to_string(++i)));
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!r || !*r) {
      state.SkipWithError("not released");
      break;
    }
  }
  percentiles(state, us);
}
BENCHMARK(BM_RegisterAndAttestRound)->Unit(benchmark::kMicrosecond)->Iterations(50)->UseRealTime();

// The verifier's checks of one quote (check_quote: ECDSA P-256 signature, TPMS_ATTEST
// parse, magic/type, signed selection, qualifying data) on 1,000 recorded quotes, one core.
void BM_QuoteChecks(benchmark::State& state) {
  auto tpm = tpm_or_throw();
  auto session = ztp::esapi::Session::open(tpm->tcti_config()).value();
  const auto sel = ztp::tpmquote::parse_pcr_selection("sha256:0-7").value();
  const auto selection = ztp::tpmquote::marshal_selection(sel).value();
  struct Recorded {
    ztp::esapi::Quote quote;
    std::string extra;
  };
  std::vector<Recorded> recorded;
  const auto key = attest::EphemeralKey::generate().value();
  for (int i = 0; i < 1000; ++i) {
    const std::string nonce(32, static_cast<char>(i));
    const auto extra = attest::quote_binding(nonce, key.public_point(), "n1").value();
    recorded.push_back({ztp::esapi::quote(session, sel, extra).value(), extra});
  }
  const auto ak = ztp::tpmquote::ak_from_public(recorded[0].quote.ak_public).value();
  const auto verifier = ztp::tpmquote::SignatureVerifier::create(ak).value();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& r = recorded[i++ % recorded.size()];
    auto digest =
        attest::check_quote(verifier, r.quote.attest, r.quote.signature, selection, r.extra);
    if (!digest) {
      state.SkipWithError("a recorded quote did not verify");
      break;
    }
    benchmark::DoNotOptimize(digest);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuoteChecks)->Unit(benchmark::kMicrosecond);

// The verifier's share of a registration: software MakeCredential to an RSA 2048 EK.
void BM_MakeCredential(benchmark::State& state) {
  auto tpm = tpm_or_throw();
  auto session = ztp::esapi::Session::open(tpm->tcti_config()).value();
  const auto ek =
      attest::ek_from_public(ztp::esapi::endorsement_key_public(session).value()).value();
  const auto ak =
      ztp::tpmquote::ak_from_public(ztp::esapi::attestation_key_public(session).value()).value();
  for (auto _ : state) {
    auto c = attest::make_credential(ek, ak.name, std::string(32, 'c'));
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MakeCredential)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
