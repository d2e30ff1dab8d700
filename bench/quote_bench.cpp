// Quoted audit records on swtpm (issue 13): what one durable append with a TPM quote
// costs (p50/p99), the quote alone, and `verify --ak` throughput on a quoted log.
// Run: build/release/bin/quote_bench   (needs swtpm; the log lives under $TMPDIR)
// swtpm is software on loopback: these figures say nothing about a hardware TPM, where
// an ECC quote takes 0.2-0.6 s (research note attest.md section 9).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "esapi/attestation.h"
#include "esapi/audit_quoter.h"
#include "esapi/esapi_session.h"
#include "esapi/swtpm_process.h"
#include "testlib/fixed_clock.h"
#include "testlib/temp_tree.h"
#include "tpmquote/boot_quote.h"

namespace {

namespace audit = ztp::audit;
using std::chrono::seconds;
using ztp::testing::SwtpmProcess;

std::unique_ptr<SwtpmProcess> start_tpm() {
  const auto exe = SwtpmProcess::find_executable();
  if (!exe) {
    throw std::runtime_error("swtpm is not installed");
  }
  auto tpm = SwtpmProcess::start(*exe);
  if (!tpm) {
    throw std::runtime_error(tpm.error().message);
  }
  auto session = ztp::esapi::Session::open((*tpm)->tcti_config());
  if (!session || !session->startup_clear()) {
    throw std::runtime_error("TPM2_Startup failed");
  }
  return std::move(*tpm);
}

audit::AuditEntry sample_entry() {
  audit::AuditEntry e;
  e.probe = "ztp-prem-tpm";
  e.node = "worker-17.example.internal";
  e.wave = "w42";
  e.generated_at = std::chrono::system_clock::time_point(seconds(1778580000));
  e.digest = "sha256:" + std::string(64, 'a');
  e.classification = "tpm2-rm";
  e.readiness = "ready";
  return e;
}

audit::AuditLog open_quoted(const std::filesystem::path& dir, const ztp::Clock& clock,
                            const SwtpmProcess& tpm) {
  if (!audit::AuditLog::setup(dir, audit::k_default_epoch, clock)) {
    throw std::runtime_error("setup failed");
  }
  audit::AuditOptions options;
  options.quote = ztp::esapi::make_audit_quoter(tpm.tcti_config(), "sha256:0-7").value();
  auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock, options);
  if (!log) {
    throw std::runtime_error(log.error().message);
  }
  return std::move(*log);
}

void percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) {
    return;
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// One entry: connect, CreatePrimary(AK), Quote, flush, disconnect, then seal + pwrite +
// fdatasync, exactly what the agent does per append with --quote-pcrs.
void BM_QuotedAppend(benchmark::State& state) {
  auto tpm = start_tpm();
  ztp::testing::TempTree tmp;
  const ztp::testing::StepClock clock;
  audit::AuditLog log = open_quoted(tmp.root() / "log", clock, *tpm);
  const audit::AuditEntry entry = sample_entry();
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto head = log.append(entry);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!head || !log.boot_state().quoted) {
      state.SkipWithError("append was not quoted");
      break;
    }
  }
  percentiles(state, us);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuotedAppend)->Unit(benchmark::kMicrosecond)->Iterations(2000)->UseRealTime();

// The quote alone (the quoter the log calls), without the append.
void BM_QuoteOnly(benchmark::State& state) {
  auto tpm = start_tpm();
  auto quoter = ztp::esapi::make_audit_quoter(tpm->tcti_config(), "sha256:0-7").value();
  const audit::Bytes32 prev{};
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto q = quoter(prev);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!q) {
      state.SkipWithError(q.error().message.c_str());
      break;
    }
  }
  percentiles(state, us);
}
BENCHMARK(BM_QuoteOnly)->Unit(benchmark::kMicrosecond)->Iterations(2000)->UseRealTime();

// verify --ak on a log of 5,000 quoted entries: chain, seals, and every quote (ECDSA
// P-256 verification, attest parse, selection/extraData/digest comparison).
void BM_VerifyQuotedLog(benchmark::State& state) {
  auto tpm = start_tpm();
  ztp::testing::TempTree tmp;
  const ztp::testing::StepClock clock;
  const auto dir = tmp.root() / "log";
  const auto key_text = [&] {
    auto key = audit::AuditLog::setup(dir, audit::k_default_epoch, clock);
    return key.value();
  }();
  {
    audit::AuditOptions options;
    options.quote = ztp::esapi::make_audit_quoter(tpm->tcti_config(), "sha256:0-7").value();
    auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock, options).value();
    for (int i = 0; i < 5000; ++i) {
      (void)log.append(sample_entry());
    }
  }
  auto session = ztp::esapi::Session::open(tpm->tcti_config()).value();
  const auto ak =
      ztp::tpmquote::ak_from_public(ztp::esapi::attestation_key_public(session).value()).value();
  const auto check =
      ztp::tpmquote::boot_quote_check(ak, ztp::tpmquote::parse_pcr_selection("sha256:0-7").value())
          .value();
  const auto k0 = audit::parse_verification_key(key_text).value();
  std::uint64_t records = 0;
  for (auto _ : state) {
    auto report = audit::verify_log(dir, k0, std::nullopt, clock, check);
    if (!report || !report->clean() || report->quoted != 5000) {
      state.SkipWithError("the quoted log did not verify");
      break;
    }
    records += report->records;
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyQuotedLog)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
