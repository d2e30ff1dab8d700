#pragma once
#include "common/clock.h"

namespace ztp::testing {

// 2026-05-12T10:00:00Z, and a monotonic clock that stands still unless advanced.
class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point wall_now() const override { return m_wall; }
  std::chrono::steady_clock::time_point monotonic_now() const override { return m_mono; }
  void advance(std::chrono::nanoseconds d) {
    m_wall += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    m_mono += d;
  }

 private:
  std::chrono::system_clock::time_point m_wall{std::chrono::seconds(1778580000)};
  std::chrono::steady_clock::time_point m_mono{};
};

// Wall time that moves one second per reading (from the same instant), a real monotonic
// clock: benchmarks append thousands of records whose epochs must close on time.
class StepClock final : public Clock {
 public:
  std::chrono::system_clock::time_point wall_now() const override {
    m_now += std::chrono::seconds(1);
    return m_now;
  }
  std::chrono::steady_clock::time_point monotonic_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  mutable std::chrono::system_clock::time_point m_now{std::chrono::seconds(1778580000)};
};

}  // namespace ztp::testing
