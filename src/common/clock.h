#pragma once
// The clock seam: wall time for generatedAt, monotonic time for intervals.
// Tests inject a fixed clock; production uses SystemClock.

#include <chrono>

namespace ztp {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  virtual std::chrono::steady_clock::time_point monotonic_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point monotonic_now() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace ztp
