#pragma once
// The watch loop shared by every probe: re-probe every interval, publish to each
// sink when the content changed or its heartbeat is due, back off per sink.
//
// Order of one cycle: produce -> sinks (in order). The audit log wraps the
// producer (agent/audit_stamp.h), so every document a sink sees is already
// recorded. Each sink keeps its own schedule, so a Kubernetes outage
// delays only the Kubernetes sink, and when a sink retries it sends the newest
// document, never a stale one.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "agent/stop_signal.h"
#include "common/clock.h"
#include "common/log.h"
#include "publish/sink.h"

namespace ztp::agent {

using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

struct Schedule {
  seconds interval{60};           // --interval: re-probe period
  seconds heartbeat{600};         // --heartbeat: republish an unchanged document this often
  double heartbeat_jitter = 0.1;  // +-10%, so 5,000 nodes do not beat in step
  seconds backoff_initial{2};     // first retry after a failure (before jitter)
  seconds backoff_cap{300};       // exponential backoff stops growing here
  seconds retry_after_cap{600};   // a server's Retry-After is honoured up to this
};

// Produces a fresh document (generatedAt = now). Called once per interval.
using Producer = std::function<report::Document()>;

struct SinkStats {
  std::uint64_t attempts = 0;
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint64_t consecutive_failures = 0;
};

class Agent {
 public:
  Agent(Schedule schedule, Producer producer, std::vector<publish::Sink> sinks, const Clock& clock,
        log::Logger& logger, std::uint64_t seed);

  // Does whatever is due at clock.monotonic_now() and returns when to call again.
  TimePoint step();
  // Calls step() and sleeps until stop is requested. Returns after at most one
  // blocking sink call once the stop arrives.
  void run(const StopSignal& stop);
  // One cycle without retries: produce, every sink once. True when all
  // sinks succeeded (the one-shot `--publish` mode).
  bool run_once();

  const SinkStats& stats(std::size_t sink) const { return m_states.at(sink).stats; }
  std::uint64_t documents_produced() const { return m_produced_count; }
  // Called after each step with its deadline (the benchmark counts cycles).
  std::function<void(TimePoint)> on_step;

 private:
  struct SinkState {
    SinkStats stats;
    std::optional<std::string> published_digest;  // last digest this sink accepted
    TimePoint heartbeat_due{};
    TimePoint next_attempt{};  // backoff / Retry-After gate
  };

  void produce(TimePoint now);
  bool publish_to(std::size_t i, TimePoint now);
  bool due(const SinkState& s, TimePoint now) const;
  std::chrono::milliseconds backoff(std::uint64_t failures);
  std::chrono::milliseconds jittered_heartbeat();

  Schedule m_schedule;
  Producer m_producer;
  std::vector<publish::Sink> m_sinks;
  std::vector<SinkState> m_states;
  const Clock& m_clock;
  log::Logger& m_log;
  std::mt19937_64 m_rng;
  std::optional<publish::Produced> m_latest;
  std::optional<std::string> m_last_logged_digest;
  TimePoint m_next_probe{};
  std::uint64_t m_produced_count = 0;
};

}  // namespace ztp::agent
