#pragma once
// --source dir:PATH: the directory the agents write with --publish dir:PATH
// (<node>.cc.json, <node>.tpm.json, replaced by atomic rename). An initial scan, then
// inotify; bursts are coalesced into one batch (one revision). The directory itself may
// be moved, deleted or recreated (a hostPath, a swapped symlink): its parent is watched
// too, and the path re-checked every tick, so the source follows whatever the path names.

#include <sys/inotify.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "fleet/fleet_state.h"

namespace ztp::fleet {

// Reads one document file without following symlinks, refusing anything but a regular
// file and never reading more than k_max_document_bytes + 1 bytes. The bytes live in
// buffer, which a reader reuses for every file (no allocation per document).
Result<std::string_view> read_document_file(int dir_fd, const char* name, std::string& buffer);
Result<std::string> read_document_file(int dir_fd, const std::string& name);

// The update for one file name in the directory (missing file = removed).
DocumentUpdate read_document_update(int dir_fd, const DocumentFileName& file, std::string& buffer);

// The document names in an open directory, in directory order (readdir(3) on a duplicate
// of dir_fd); anything else there (temporary files of atomic writers) is skipped.
Result<std::vector<DocumentFileName>> list_document_files(int dir_fd);

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
  // Logs (fleet.dir.* events) go to log, which must outlive the source.
  DirSource(std::filesystem::path dir, FleetState& state, log::Logger& log,
            DirSourceOptions options = {});
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
  using Clock = std::chrono::steady_clock;
  // inotify events not yet applied: a burst is applied once it has been quiet.
  struct Pending {
    std::set<std::string> dirty;  // document names that may have changed
    bool rescan = false;          // events were lost: only a full scan is correct
    bool path_changed = false;    // the directory's own name may name another directory
    Clock::time_point first_event{};
    Clock::time_point last_event{};
    bool any() const { return !dirty.empty() || rescan; }
  };

  enum class Wake { stop, events, timeout };

  bool attach();
  void detach();
  bool check_path();  // true when the source left or changed directory
  void run();
  Wake wait_for_events(Clock::time_point deadline);
  void read_events(Pending& pending);
  void note_event(const inotify_event& event, const char* name, Pending& pending);
  void apply_due(Pending& pending, Clock::time_point& next_tick);
  void scan();
  std::vector<DocumentUpdate> read_all(const std::vector<DocumentFileName>& files);
  void process(const std::vector<std::string>& names);

  std::filesystem::path m_dir;
  FleetState& m_state;
  log::Logger& m_log;
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
