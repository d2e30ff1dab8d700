#include "fleet/enforcement_file.h"

#include <fcntl.h>

#include "common/posix_file.h"

namespace ztp::fleet {

bool EnforcementFile::Seen::operator==(const Seen& o) const {
  const auto same = [](const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
  };
  return dev == o.dev && ino == o.ino && size == o.size && same(mtime, o.mtime) &&
         same(ctime, o.ctime);
}

void EnforcementFile::start() {
  poll();
  m_thread = std::thread([this] {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, m_interval, [this] { return m_stop; })) {
      lock.unlock();
      poll();
      lock.lock();
    }
  });
}

void EnforcementFile::stop() {
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void EnforcementFile::poll() {
  // Not followed: as with the documents, a symlink could point the service anywhere.
  auto fd = open_regular(m_path, O_RDONLY, RegularOpen{.follow_symlinks = false});
  if (!fd) {
    m_seen.reset();
    if (fd.error().kind == ErrorKind::not_found) {
      m_reports.set_absent("no " + std::string(k_enforcement_file) +
                           " in the source directory (docs/fleet-api.md: write it with "
                           "ztp-prem-enforce preflight --format json)");
    } else {
      m_reports.set_invalid(std::string(k_enforcement_file) + ": " + fd.error().message);
    }
    return;
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    m_reports.set_invalid(std::string(k_enforcement_file) + ": cannot stat");
    return;
  }
  const Seen seen{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
  if (m_seen && *m_seen == seen) {
    return;
  }
  m_seen = seen;
  auto bytes = read_all(fd->get(), m_path, k_max_enforcement_report_bytes);
  if (!bytes) {
    m_reports.set_invalid(std::string(k_enforcement_file) + ": " + bytes.error().message);
    return;
  }
  m_reports.set_bytes(*bytes);
}

}  // namespace ztp::fleet
