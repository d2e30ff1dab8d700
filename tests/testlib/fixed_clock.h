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

}  // namespace ztp::testing
