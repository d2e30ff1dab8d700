// The audit log's costs: durable appends per second on this machine's disk, verify
// throughput on a 1,000,000-record log, and what the agent pays per cycle for auditing.
// Run: build/release/bin/audit_bench   (figures go in the closing note)
// The log lives under $TMPDIR (default /tmp): put that on the disk you want measured;
// on tmpfs fdatasync is free and the append figure means nothing.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "audit/audit_log.h"
#include "audit/segments.h"
#include "audit/verify.h"
#include "common/posix_file.h"
#include "report/digest.h"
#include "testlib/fixed_clock.h"

namespace {

namespace audit = ztp::audit;
using std::chrono::seconds;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ztp-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

ztp::report::Document sample_document() {
  ztp::report::Document doc;
  doc.envelope.kind = "CCStatus";
  doc.envelope.node = "worker-17.example.internal";
  doc.envelope.wave = "w42";
  doc.envelope.probe = {"ztp-prem-detect", "0.1.0"};
  doc.body["mode"] = "sev-snp";
  doc.body["hostCapabilities"] = nlohmann::ordered_json::array({"sev", "sev-es"});
  for (const char* name : {"cpuidAvailable", "hypervisorPresent", "msrSevStatusReadable",
                           "sevGuestPlatformDevice", "tdxGuestDeviceNode", "ccaPlatformDevice",
                           "s390ProtVirtGuest", "kvmAmdSev", "kvmIntelTdx", "s390ProtVirtHost"}) {
    doc.findings.signal(name, name[0] == 'h');
  }
  doc.findings.note("guest: SEV_STATUS MSR 0xc0010131 readable: SEV-SNP active");
  doc.findings.note("host: kvm_amd sev=Y");
  return doc;
}

audit::AuditEntry entry_for(const ztp::report::Document& doc, const std::string& digest) {
  return {doc.envelope.probe.name,
          doc.envelope.node,
          doc.envelope.wave,
          doc.envelope.generated_at,
          digest,
          "sev-snp",
          std::string("ready"),
          audit::Reason::heartbeat};
}

audit::AuditLog open_fresh(const std::filesystem::path& dir, const ztp::Clock& clock) {
  if (!audit::AuditLog::setup(dir, audit::k_default_epoch, clock)) {
    throw std::runtime_error("setup failed");
  }
  audit::AuditOptions options;
  auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock, options);
  if (!log) {
    throw std::runtime_error(log.error().message);
  }
  return std::move(*log);
}

// One append = seal + one pwrite + one fdatasync (and a close record + key evolution
// with two more fdatasyncs every 900th append).
void BM_DurableAppend(benchmark::State& state) {
  TempDir tmp;
  const ztp::testing::StepClock clock;
  audit::AuditLog log = open_fresh(tmp.path() / "log", clock);
  const auto doc = sample_document();
  const audit::AuditEntry entry = entry_for(doc, ztp::report::content_digest(doc).value());
  for (auto _ : state) {
    auto head = log.append(entry);
    if (!head) {
      state.SkipWithError(head.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DurableAppend)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();

// What an agent cycle adds when it appends (start, change, heartbeat): the document
// digest, the durable append, and the auditHead for the envelope.
void BM_AgentCycleWithAppend(benchmark::State& state) {
  TempDir tmp;
  const ztp::testing::StepClock clock;
  audit::AuditLog log = open_fresh(tmp.path() / "log", clock);
  auto doc = sample_document();
  for (auto _ : state) {
    auto digest = ztp::report::content_digest(doc);
    auto head = log.append(entry_for(doc, *digest));
    doc.envelope.audit_head = audit::envelope_head(log.head());
    benchmark::DoNotOptimize(head);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AgentCycleWithAppend)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();

// A cycle where nothing changed and no heartbeat is due: only the digest comparison.
void BM_AgentCycleWithoutAppend(benchmark::State& state) {
  const auto doc = sample_document();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ztp::report::content_digest(doc));
  }
}
BENCHMARK(BM_AgentCycleWithoutAppend)->Unit(benchmark::kMicrosecond);

// Writes a log of n records the way AuditLog does (same record code, same keys, epochs
// of 900 s at one record per second, 16 MiB segments) but without one fdatasync per
// record, which would take hours; returns the verification key.
audit::Bytes32 write_big_log(const std::filesystem::path& dir, std::uint64_t n) {
  std::filesystem::create_directories(dir);
  const audit::Bytes32 k0 = audit::random_bytes32().value();
  audit::LogParams params{"0123456789abcdef0123456789abcdef",
                          std::chrono::system_clock::time_point(seconds(1700000000)), 900};
  audit::Bytes32 key = k0;
  std::uint64_t epoch = 0;
  audit::Bytes32 prev{};
  std::uint64_t segment = 1;
  std::string buffer;
  auto flush = [&](bool last) {
    if (buffer.size() < audit::k_default_segment_bytes && !last) {
      return;
    }
    const auto path = dir / audit::segment_name(segment++);
    auto fd = ztp::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!fd || !ztp::write_all_at(fd->get(), path, buffer, 0)) {
      throw std::runtime_error("cannot write " + path.string());
    }
    buffer.clear();
  };
  auto emit = [&](audit::Record& r) {
    r.log_id = params.log_id;
    r.prev = prev;
    r.epoch = epoch;
    r.hash = audit::compute_hash(r).value();
    r.seal = audit::hmac_sha256(
                 key, std::string_view(reinterpret_cast<const char*>(r.hash.data()), r.hash.size()))
                 .value();
    buffer += audit::to_line(r) + "\n";
    prev = r.hash;
    flush(false);
  };
  const auto doc = sample_document();
  const audit::AuditEntry entry = entry_for(doc, ztp::report::content_digest(doc).value());
  for (std::uint64_t seq = 0; seq < n; ++seq) {
    audit::Record r;
    r.seq = seq;
    r.time = params.start + seconds(seq);
    if (seq == 0) {
      r.type = audit::RecordType::open;
      r.start = params.start;
      r.epoch_seconds = params.epoch_seconds;
    } else if (audit::epoch_of(params, r.time) > epoch) {
      r.type = audit::RecordType::close;
      r.next_epoch = audit::epoch_of(params, r.time);
      emit(r);
      key = audit::evolve_key(key, epoch, r.next_epoch).value();
      epoch = r.next_epoch;
      continue;
    } else {
      r.type = audit::RecordType::entry;
      r.entry = entry;
      r.entry.generated_at = r.time;
    }
    emit(r);
  }
  flush(true);
  return k0;
}

void BM_VerifyMillionRecordLog(benchmark::State& state) {
  TempDir tmp;
  const auto dir = tmp.path() / "log";
  const audit::Bytes32 k0 = write_big_log(dir, 1'000'000);
  const ztp::testing::StepClock clock;
  std::uint64_t records = 0;
  for (auto _ : state) {
    auto report = audit::verify_log(dir, k0, std::nullopt, clock);
    if (!report || !report->clean()) {
      state.SkipWithError(report ? report->bad->detail.c_str() : report.error().message.c_str());
      break;
    }
    records += report->records;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
}
BENCHMARK(BM_VerifyMillionRecordLog)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
