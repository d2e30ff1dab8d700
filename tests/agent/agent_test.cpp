#include "agent/agent.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>
#include <thread>

#include "testlib/fixed_clock.h"

namespace ztp::agent {
namespace {

using namespace std::chrono_literals;
using ztp::testing::FixedClock;

// A document whose mode the test changes; generatedAt follows the clock.
struct World {
  FixedClock clock;
  std::string mode = "none";
  std::ostringstream log_out;
  log::Logger logger{log_out, clock, log::Level::debug};
  Producer producer() {
    return [this] {
      report::Document d;
      d.envelope.kind = "CCStatus";
      d.envelope.node = "n1";
      d.envelope.generated_at = clock.wall_now();
      d.envelope.probe = {"ztp-prem-detect", "0.1.0"};
      d.body["mode"] = mode;
      return d;
    };
  }
};

// A sink that records what it published and fails while told to.
struct Recorder {
  std::vector<std::string> published;  // digests
  std::vector<std::string> json;
  int fail_next = 0;
  std::optional<std::chrono::seconds> retry_after;
  publish::Sink sink(std::string name = "rec") {
    return publish::Sink{std::move(name),
                         [this](const publish::Publication& p) -> publish::Outcome {
                           if (fail_next > 0) {
                             --fail_next;
                             return tl::unexpected(publish::Failure{"down", retry_after});
                           }
                           published.push_back(p.digest);
                           json.push_back(p.json);
                           return {};
                         }};
  }
};

Schedule schedule() {
  Schedule s;
  s.interval = 60s;
  s.heartbeat = 600s;
  s.backoff_initial = 2s;
  s.backoff_cap = 300s;
  return s;
}

// Steps the agent through `total` of fake time, jumping to each deadline.
void run_for(Agent& agent, FixedClock& clock, std::chrono::seconds total) {
  const auto end = clock.monotonic_now() + total;
  while (clock.monotonic_now() < end) {
    const auto next = agent.step();
    ASSERT_GT(next, clock.monotonic_now()) << "the agent asked to be woken now: busy loop";
    clock.advance(std::min<std::chrono::nanoseconds>(next - clock.monotonic_now(),
                                                     end - clock.monotonic_now()));
  }
}

TEST(Agent, PublishesOnceThenOnlyOnChangeAndHeartbeat) {
  World w;
  Recorder rec;
  Agent agent(schedule(), w.producer(), {rec.sink()}, w.clock, w.logger, 1);
  run_for(agent, w.clock, 3599s);  // one hour less a second: 60 probes
  EXPECT_EQ(agent.documents_produced(), 60u);
  // First publish + heartbeats every 540-660 s: 5 or 6 writes in an hour, not 60.
  EXPECT_GE(rec.published.size(), 5u);
  EXPECT_LE(rec.published.size(), 7u);
  const auto before = rec.published.size();
  w.mode = "sev-snp";
  run_for(agent, w.clock, 61s);
  ASSERT_EQ(rec.published.size(), before + 1);  // the change lands within one interval
  EXPECT_NE(rec.published.back(), rec.published.front());
  EXPECT_NE(rec.json.back().find("sev-snp"), std::string::npos);
}

TEST(Agent, HeartbeatsAreJitteredWithinTenPercent) {
  World w;
  Recorder rec;
  Schedule s = schedule();
  s.interval = 1s;  // fine resolution for measuring the heartbeat
  Agent agent(s, w.producer(), {rec.sink()}, w.clock, w.logger, 7);
  std::vector<std::chrono::steady_clock::time_point> times;
  std::size_t seen = 0;
  const auto end = w.clock.monotonic_now() + 5h;
  while (w.clock.monotonic_now() < end) {
    agent.step();
    if (rec.published.size() != seen) {
      seen = rec.published.size();
      times.push_back(w.clock.monotonic_now());
    }
    w.clock.advance(1s);
  }
  ASSERT_GT(times.size(), 20u);
  std::set<long> distinct;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::seconds>(times[i] - times[i - 1]);
    EXPECT_GE(gap.count(), 540);
    EXPECT_LE(gap.count(), 661);
    distinct.insert(gap.count());
  }
  EXPECT_GT(distinct.size(), 5u) << "heartbeats are not jittered";
}

TEST(Agent, BacksOffExponentiallyWithJitterUpToTheCap) {
  World w;
  Recorder rec;
  rec.fail_next = 1000;
  Agent agent(schedule(), w.producer(), {rec.sink()}, w.clock, w.logger, 3);
  std::vector<std::chrono::steady_clock::time_point> attempts;
  std::uint64_t seen = 0;
  const auto end = w.clock.monotonic_now() + 2h;
  while (w.clock.monotonic_now() < end) {
    const auto next = agent.step();
    if (agent.stats(0).attempts != seen) {
      seen = agent.stats(0).attempts;
      attempts.push_back(w.clock.monotonic_now());
    }
    w.clock.advance(next - w.clock.monotonic_now());
  }
  ASSERT_GT(attempts.size(), 10u);
  // Gaps: [1,2), [2,4), [4,8) ... then between half the cap and the cap.
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    const double gap = std::chrono::duration<double>(attempts[i] - attempts[i - 1]).count();
    const double step = std::min(300.0, 2.0 * std::pow(2.0, static_cast<double>(i - 1)));
    EXPECT_GE(gap, step / 2 - 0.01) << "attempt " << i;
    EXPECT_LE(gap, step + 0.01) << "attempt " << i;
  }
  // Two hours of outage cost ~40 attempts (mean gap 225 s at the cap); the log does not
  // repeat each one.
  EXPECT_LT(attempts.size(), 50u);
  const std::string log = w.log_out.str();
  std::size_t failed_lines = 0;
  for (std::size_t pos = 0; (pos = log.find("publish.failed", pos)) != std::string::npos; ++pos) {
    ++failed_lines;
  }
  EXPECT_LT(failed_lines, 6u);
}

TEST(Agent, BackoffCountsFromTheEndOfASlowFailure) {
  World w;
  int calls = 0;
  publish::Sink slow{"slow", [&](const publish::Publication&) -> publish::Outcome {
                       ++calls;
                       w.clock.advance(10s);  // a request that timed out
                       return tl::unexpected(publish::Failure{"timed out", std::nullopt});
                     }};
  Agent agent(schedule(), w.producer(), {slow}, w.clock, w.logger, 1);
  const auto next = agent.step();
  EXPECT_EQ(calls, 1);
  EXPECT_GE(next - w.clock.monotonic_now(), std::chrono::steady_clock::duration(1s));
}

TEST(Agent, HonoursRetryAfter) {
  World w;
  Recorder rec;
  rec.fail_next = 1;
  rec.retry_after = 42s;
  Agent agent(schedule(), w.producer(), {rec.sink()}, w.clock, w.logger, 1);
  const auto start = w.clock.monotonic_now();
  const auto next = agent.step();
  EXPECT_EQ(next - start, std::chrono::steady_clock::duration(42s));
  w.clock.advance(41s);
  agent.step();
  EXPECT_TRUE(rec.published.empty());
  w.clock.advance(1s);
  agent.step();
  EXPECT_EQ(rec.published.size(), 1u);
}

TEST(Agent, TheNewestDocumentLandsAfterAnOutage) {
  World w;
  Recorder rec;
  rec.fail_next = 20;
  Agent agent(schedule(), w.producer(), {rec.sink()}, w.clock, w.logger, 5);
  run_for(agent, w.clock, 300s);
  w.mode = "tdx";
  run_for(agent, w.clock, 3000s);
  ASSERT_FALSE(rec.json.empty());
  EXPECT_NE(rec.json.front().find("\"tdx\""), std::string::npos)
      << "the first successful write carries the newest document";
  EXPECT_EQ(agent.stats(0).failures, 20u);
}

TEST(Agent, SinksAreIndependentAndRunInOrder) {
  World w;
  Recorder good;
  Recorder bad;
  bad.fail_next = 1000;
  std::vector<std::string> order;
  auto tracing = [&](publish::Sink s) {
    auto inner = s.publish;
    s.publish = [&order, inner, name = s.name](const publish::Publication& p) {
      order.push_back(name);
      return inner(p);
    };
    return s;
  };
  Agent agent(schedule(), w.producer(), {tracing(bad.sink("bad")), tracing(good.sink("good"))},
              w.clock, w.logger, 1);
  agent.step();
  EXPECT_EQ(order, (std::vector<std::string>{"bad", "good"}));
  ASSERT_EQ(good.published.size(), 1u);
  EXPECT_EQ(good.published[0].rfind("sha256:", 0), 0u);  // report::content_digest
  EXPECT_EQ(good.published[0].size(), 71u);
  run_for(agent, w.clock, 500s);  // less than the shortest heartbeat (540 s)
  EXPECT_EQ(good.published.size(), 1u);
  EXPECT_TRUE(bad.published.empty());
}

TEST(Agent, RunOnceReportsFailure) {
  World w;
  Recorder ok;
  Recorder bad;
  bad.fail_next = 1;
  Agent a(schedule(), w.producer(), {ok.sink()}, w.clock, w.logger, 1);
  EXPECT_TRUE(a.run_once());
  Agent b(schedule(), w.producer(), {ok.sink(), bad.sink()}, w.clock, w.logger, 1);
  EXPECT_FALSE(b.run_once());
}

TEST(StopSignal, WaitReturnsEarlyOnStop) {
  StopSignal stop;
  EXPECT_FALSE(stop.stop_requested());
  EXPECT_FALSE(stop.wait_for(1ms));
  stop.request_stop();
  EXPECT_TRUE(stop.stop_requested());
  EXPECT_TRUE(stop.wait_for(10s));  // returns at once
}

// Real time: SIGTERM during a 60-second sleep ends run() well within a second.
TEST(StopSignal, SigtermEndsTheLoopWithinOneSecond) {
  StopSignal stop;
  StopSignal::install_signal_handlers(stop);
  const SystemClock clock;
  std::ostringstream log_out;
  log::Logger logger(log_out, clock);
  Recorder rec;
  Agent agent(
      schedule(),
      [] {
        report::Document d;
        d.envelope.kind = "CCStatus";
        return d;
      },
      {rec.sink()}, clock, logger, 1);
  std::chrono::steady_clock::time_point sent;
  std::thread killer([&] {
    std::this_thread::sleep_for(200ms);
    sent = std::chrono::steady_clock::now();
    ::kill(::getpid(), SIGTERM);
  });
  agent.run(stop);
  const auto took = std::chrono::steady_clock::now() - sent;
  killer.join();
  EXPECT_LT(took, 1s);
  EXPECT_EQ(rec.published.size(), 1u);
  EXPECT_NE(log_out.str().find("agent.stopping"), std::string::npos);
  ::signal(SIGTERM, SIG_DFL);
}

}  // namespace
}  // namespace ztp::agent
