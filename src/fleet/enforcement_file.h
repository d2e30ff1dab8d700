#pragma once
// --source dir:PATH: the enforcement report as a file of that directory (enforcement.json,
// docs/fleet-api.md). One small file: it is looked at once a second (fstat; read only when
// its identity, size or times changed), which also follows a directory that is replaced.
// A report written in place may be read half-written: it is then invalid until the next
// look, one interval later; writing it elsewhere and renaming it in avoids that.

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "fleet/enforcement_report.h"

namespace ztp::fleet {

class EnforcementFile {
 public:
  EnforcementFile(std::filesystem::path dir, EnforcementReports& reports,
                  std::chrono::milliseconds interval = std::chrono::seconds(1))
      : m_path(std::move(dir) / k_enforcement_file), m_reports(reports), m_interval(interval) {}
  EnforcementFile(const EnforcementFile&) = delete;
  EnforcementFile& operator=(const EnforcementFile&) = delete;
  ~EnforcementFile() { stop(); }

  // Reads the file once now (the first answer is never "pending"), then every interval.
  void start();
  void stop();
  // One look at the file.
  void poll();

 private:
  // What identifies one version of the file without reading it.
  struct Seen {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    timespec mtime{};
    timespec ctime{};
    bool operator==(const Seen& o) const;
  };

  std::filesystem::path m_path;
  EnforcementReports& m_reports;
  std::chrono::milliseconds m_interval;
  std::optional<Seen> m_seen;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace ztp::fleet
