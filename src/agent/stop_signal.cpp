#include "agent/stop_signal.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace ztp::agent {
namespace {

std::atomic<int> g_signal_fd{-1};

extern "C" void on_stop_signal(int) {
  const int fd = g_signal_fd.load();
  if (fd >= 0) {
    const std::uint64_t one = 1;
    const int saved = errno;
    [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
    errno = saved;
  }
}

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n >= 0) {
      return n > 0 && (p.revents & POLLIN) != 0;
    }
    if (errno != EINTR) {
      return false;
    }
    // A signal interrupted the wait; its handler made the fd readable if it was ours.
    timeout_ms = 0;
  }
}

}  // namespace

StopSignal::StopSignal() : m_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (m_fd < 0) {
    throw std::runtime_error("eventfd failed");  // only at startup, reported by main
  }
}

StopSignal::~StopSignal() {
  int expected = m_fd;
  g_signal_fd.compare_exchange_strong(expected, -1);
  ::close(m_fd);
}

void StopSignal::request_stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(m_fd, &one, sizeof one);
}

bool StopSignal::stop_requested() const { return readable(m_fd, 0); }

bool StopSignal::wait_for(std::chrono::milliseconds timeout) const {
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  // poll takes an int; cap a long sleep at ~24 days, callers loop anyway.
  constexpr long long k_max_ms = 2'000'000'000;
  return readable(m_fd, static_cast<int>(ms > k_max_ms ? k_max_ms : ms));
}

void StopSignal::install_signal_handlers(StopSignal& stop) {
  g_signal_fd.store(stop.m_fd);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and re-check
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

}  // namespace ztp::agent
