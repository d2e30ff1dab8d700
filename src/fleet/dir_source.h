#pragma once
// --source dir:PATH: the directory the agents write with --publish dir:PATH
// (<node>.cc.json, <node>.tpm.json, replaced by atomic rename). An initial scan, then
// inotify; bursts are coalesced into one batch (one revision). The directory itself may
// be moved, deleted or recreated (a hostPath, a swapped symlink): its parent is watched
// too, and the path re-checked every tick, so the source follows whatever the path names.

#include <sys/types.h>
#include <atomic>
#include <chrono>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/result.h"
#include "fleet/fleet_state.h"

namespace ztp::fleet {

// Reads one document file without following symlinks, refusing anything but a regular
// file and never reading more than k_max_document_bytes + 1 bytes.
Result<std::string> read_document_file(int dir_fd, const std::string& name);

// The update for one file name in the directory (missing file = removed).
DocumentUpdate read_document_update(int dir_fd, const DocumentFileName& file);

struct DirSourceOptions {
  // A burst ends after this much quiet (an agent fleet's heartbeats arrive spread out)...
  std::chrono::milliseconds quiet = std::chrono::milliseconds(50);
  // ...but never waits longer than this from its first event (the API's 250 ms coalescing).
  std::chrono::milliseconds max_delay = std::chrono::milliseconds(250);
  // How often staleness is re-evaluated when nothing is written.
  std::chrono::milliseconds tick = std::chrono::milliseconds(1000);
};

class DirSource {
 public:
  DirSource(std::filesystem::path dir, FleetState& state, DirSourceOptions options = {});
  DirSource(const DirSource&) = delete;
  DirSource& operator=(const DirSource&) = delete;
  ~DirSource();

  // Opens the directory and the inotify watch, then scans and follows it on a thread.
  // Fails (bad_input) when the directory cannot be opened.
  Result<void> start();
  void stop();
  // Set while the directory is missing (/readyz reports it); the last state is served.
  std::optional<std::string> problem() const;

 private:
  bool attach();
  void detach();
  bool check_path();  // true when the source left or changed directory
  void run();
  void scan();
  void process(const std::vector<std::string>& names);

  std::filesystem::path m_dir;
  FleetState& m_state;
  DirSourceOptions m_options;
  int m_dir_fd = -1;
  int m_dir_wd = -1;     // inotify watch on the directory
  int m_parent_wd = -1;  // ... and on its parent, for the directory's own name
  dev_t m_dir_dev = 0;   // identity of the directory now open
  ino_t m_dir_ino = 0;
  mutable std::mutex m_problem_mutex;
  std::optional<std::string> m_problem;
  int m_inotify_fd = -1;
  int m_stop_fd = -1;  // eventfd: stop() wakes the poll
  std::thread m_thread;
};

}  // namespace ztp::fleet
