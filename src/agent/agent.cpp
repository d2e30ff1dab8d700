#include "agent/agent.h"

#include <algorithm>
#include <cmath>

namespace ztp::agent {

using std::chrono::milliseconds;

Agent::Agent(Schedule schedule, Producer producer, std::vector<publish::Sink> sinks,
             const Clock& clock, log::Logger& logger, std::uint64_t seed)
    : m_schedule(schedule),
      m_producer(std::move(producer)),
      m_sinks(std::move(sinks)),
      m_states(m_sinks.size()),
      m_clock(clock),
      m_log(logger),
      m_rng(seed) {
  m_next_probe = m_clock.monotonic_now();
}

void Agent::produce(TimePoint now) {
  m_latest = publish::produce(m_producer());
  ++m_produced_count;
  m_next_probe = now + m_schedule.interval;
  if (m_latest->digest != m_last_logged_digest) {
    m_log.info("document.changed",
               {{"kind", m_latest->doc.envelope.kind}, {"digest", m_latest->digest.substr(0, 16)}});
    m_last_logged_digest = m_latest->digest;
  }
}

bool Agent::due(const SinkState& s, TimePoint now) const {
  if (now < s.next_attempt) {
    return false;
  }
  return s.published_digest != m_latest->digest || now >= s.heartbeat_due;
}

milliseconds Agent::jittered_heartbeat() {
  const double j = std::clamp(m_schedule.heartbeat_jitter, 0.0, 0.5);
  std::uniform_real_distribution<double> factor(1.0 - j, 1.0 + j);
  const double ms = static_cast<double>(milliseconds(m_schedule.heartbeat).count()) * factor(m_rng);
  return milliseconds(static_cast<long long>(ms));
}

// Exponential with "equal jitter": half the step fixed, half random, so retries
// of many nodes spread out yet never come back faster than half the step.
milliseconds Agent::backoff(std::uint64_t failures) {
  const double base = static_cast<double>(milliseconds(m_schedule.backoff_initial).count());
  const double cap = static_cast<double>(milliseconds(m_schedule.backoff_cap).count());
  const double exp = std::min<double>(static_cast<double>(failures > 0 ? failures - 1 : 0), 30.0);
  const double step = std::max(std::min(cap, base * std::pow(2.0, exp)), 1000.0);
  std::uniform_real_distribution<double> half(0.0, step / 2);
  return milliseconds(static_cast<long long>(step / 2 + half(m_rng)));
}

bool Agent::publish_to(std::size_t i, TimePoint now) {
  SinkState& s = m_states[i];
  const publish::Sink& sink = m_sinks[i];
  const bool changed = s.published_digest != m_latest->digest;
  ++s.stats.attempts;
  const publish::Outcome outcome = sink.publish(m_latest->view());
  // Schedule from when the call returned: a request that timed out after 10 s
  // must not eat a 2 s backoff and be retried at once.
  now = std::max(now, m_clock.monotonic_now());
  if (outcome) {
    ++s.stats.successes;
    if (s.stats.consecutive_failures > 0) {
      m_log.info("publish.recovered",
                 {{"sink", sink.name}, {"failedAttempts", s.stats.consecutive_failures}});
    }
    s.stats.consecutive_failures = 0;
    s.published_digest = m_latest->digest;
    s.heartbeat_due = now + jittered_heartbeat();
    s.next_attempt = now;
    m_log.debug("publish.ok", {{"sink", sink.name}, {"reason", changed ? "changed" : "heartbeat"}});
    return true;
  }
  ++s.stats.failures;
  ++s.stats.consecutive_failures;
  const auto n = s.stats.consecutive_failures;
  if (outcome.error().permanent) {
    // Refused as such (403, 422, 400): retrying sooner only loads the API server with the
    // same refusal. Report every one (they come once per heartbeat) and wait for the next.
    const milliseconds wait = jittered_heartbeat();
    s.next_attempt = now + wait;
    m_log.warn("publish.refused", {{"sink", sink.name},
                                   {"reason", outcome.error().reason},
                                   {"consecutiveFailures", n},
                                   {"retryInMs", wait.count()}});
    return false;
  }
  milliseconds wait = backoff(s.stats.consecutive_failures);
  if (outcome.error().retry_after) {
    const seconds ra =
        std::clamp(*outcome.error().retry_after, seconds(1), m_schedule.retry_after_cap);
    wait = ra;
  }
  s.next_attempt = now + wait;
  // One line per failure streak start, then one per 10th attempt: no log storm.
  if (n == 1 || n % 10 == 0) {
    m_log.warn("publish.failed", {{"sink", sink.name},
                                  {"reason", outcome.error().reason},
                                  {"consecutiveFailures", n},
                                  {"retryInMs", wait.count()}});
  }
  return false;
}

TimePoint Agent::step() {
  TimePoint now = m_clock.monotonic_now();
  if (!m_latest || now >= m_next_probe) {
    produce(now);
  }
  for (std::size_t i = 0; i < m_sinks.size(); ++i) {
    if (due(m_states[i], now)) {
      publish_to(i, now);
      now = m_clock.monotonic_now();  // a sink may have blocked on the network
    }
  }
  TimePoint next = m_next_probe;
  for (const SinkState& s : m_states) {
    const bool pending = s.published_digest != m_latest->digest;
    next = std::min(
        next, pending ? std::max(s.next_attempt, now) : std::max(s.heartbeat_due, s.next_attempt));
  }
  if (on_step) {
    on_step(next);
  }
  return next;
}

void Agent::run(const StopSignal& stop) {
  m_log.info("agent.started", {{"intervalSeconds", m_schedule.interval.count()},
                               {"heartbeatSeconds", m_schedule.heartbeat.count()},
                               {"sinks", [&] {
                                  auto names = nlohmann::ordered_json::array();
                                  for (const auto& s : m_sinks) {
                                    names.push_back(s.name);
                                  }
                                  return names;
                                }()}});
  while (!stop.stop_requested()) {
    const TimePoint next = step();
    const auto wait = std::chrono::ceil<milliseconds>(next - m_clock.monotonic_now());
    if (stop.wait_for(std::max(wait, milliseconds(0)))) {
      break;
    }
  }
  m_log.info("agent.stopping", {{"documents", m_produced_count}});
}

bool Agent::run_once() {
  produce(m_clock.monotonic_now());
  bool all = true;
  for (std::size_t i = 0; i < m_sinks.size(); ++i) {
    all = publish_to(i, m_clock.monotonic_now()) && all;
  }
  return all;
}

}  // namespace ztp::agent
