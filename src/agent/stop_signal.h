#pragma once
// The agent's one way to be woken early: an eventfd that SIGTERM/SIGINT (or a
// test) makes readable. Waits are poll(2) on it, so a stop interrupts any sleep
// at once; the HTTP transport watches the same fd to abandon a request in flight.

#include <chrono>

namespace ztp::agent {

class StopSignal {
 public:
  StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  void request_stop();  // async-signal-safe
  bool stop_requested() const;
  // Sleeps up to timeout; returns true as soon as a stop was requested.
  bool wait_for(std::chrono::milliseconds timeout) const;
  // Readable once a stop was requested (never drained).
  int fd() const { return m_fd; }

  // Routes SIGTERM and SIGINT of this process to request_stop() of stop.
  static void install_signal_handlers(StopSignal& stop);

 private:
  int m_fd;
};

}  // namespace ztp::agent
