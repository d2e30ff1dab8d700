#include "fleet/dir_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>

#include "common/unique_fd.h"

namespace ztp::fleet {

namespace {

// Events that mean a document name may have a new state. IN_MODIFY is left out on
// purpose: a file being written in place is read once, at IN_CLOSE_WRITE.
// inotify(7): IN_CLOSE_WRITE, IN_MOVED_TO/FROM (rename), IN_CREATE, IN_DELETE.
constexpr std::uint32_t k_watch_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                       IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// On the parent: the directory's name appearing or going (mkdir, rename, symlink swap).
constexpr std::uint32_t k_parent_mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;

std::filesystem::path normal_path(const std::filesystem::path& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir, ec).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) {
    p = p.parent_path();  // "dir:/tmp/x/" names /tmp/x
  }
  return p;
}

std::string errno_text(int err) { return std::strerror(err); }

// Enough to keep a large machine's cold load I/O-bound without a thread per core.
constexpr std::size_t k_max_scan_threads = 8;
// Documents a scan worker takes at a time: large enough that taking one costs nothing,
// small enough that the workers finish together.
constexpr std::size_t k_scan_chunk = 64;

}  // namespace

Result<std::string_view> read_document_file(int dir_fd, const char* name, std::string& buffer) {
  // O_NOFOLLOW: a node must not make the service read another file; O_NONBLOCK: a FIFO
  // planted under a document name must not block the reader (open(2)).
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return fail(ErrorKind::not_found, "gone");
    }
    if (err == ELOOP) {
      return fail(ErrorKind::bad_input, "document: a symbolic link, not a regular file");
    }
    return fail(ErrorKind::io_error, "document: cannot open: " + errno_text(err));
  }
  const UniqueFd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return fail(ErrorKind::io_error, "document: cannot stat: " + errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorKind::bad_input, "document: not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > k_max_document_bytes) {
    return fail(ErrorKind::bad_input, "document: larger than 64 KiB");
  }
  // Read at most one byte past the cap: a file growing under us is still caught.
  if (buffer.size() < k_max_document_bytes + 1) {
    buffer.resize(k_max_document_bytes + 1);  // once per reader, not per file
  }
  std::size_t used = 0;
  while (used < k_max_document_bytes + 1) {
    const std::size_t wanted = k_max_document_bytes + 1 - used;
    const ssize_t n = ::pread(fd, buffer.data() + used, wanted, static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorKind::io_error, "document: read failed: " + errno_text(errno));
    }
    used += static_cast<std::size_t>(n);
    // A short read of a regular file ends at its end (read(2)): once it covers the size
    // fstat saw, the end-of-file read that would return 0 is not needed.
    if (n == 0 || (static_cast<std::size_t>(n) < wanted && used >= size)) {
      break;
    }
  }
  return std::string_view(buffer.data(), used);
}

Result<std::string> read_document_file(int dir_fd, const std::string& name) {
  std::string buffer;
  auto bytes = read_document_file(dir_fd, name.c_str(), buffer);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  return std::string(*bytes);
}

DocumentUpdate read_document_update(int dir_fd, const DocumentFileName& file, std::string& buffer) {
  DocumentUpdate update;
  update.node = file.node;
  update.probe = file.probe;
  const std::string name = document_file_name(file.node, file.probe);
  auto bytes = read_document_file(dir_fd, name.c_str(), buffer);
  if (!bytes) {
    if (bytes.error().kind == ErrorKind::not_found) {
      update.removed = true;
    } else {
      update.document = tl::unexpected(bytes.error());
    }
    return update;
  }
  update.document = parse_status_document(*bytes, file.probe, file.node);
  return update;
}

Result<std::vector<DocumentFileName>> list_document_files(int dir_fd) {
  // readdir on its own descriptor: closedir closes it, and dir_fd's offset is untouched.
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (dir == nullptr) {
    const int err = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    return fail(ErrorKind::io_error, "cannot list: " + errno_text(err));
  }
  std::vector<DocumentFileName> files;
  int err = 0;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      err = errno;  // 0 at the end of the directory
      break;
    }
    if (auto file = parse_document_file_name(entry->d_name)) {
      files.push_back(std::move(*file));
    }  // else: ".", "..", temporary files of atomic writers, anything else
  }
  ::closedir(dir);
  if (err != 0) {
    return fail(ErrorKind::io_error, "cannot list: " + errno_text(err));
  }
  return files;
}

DirSource::DirSource(std::filesystem::path dir, FleetState& state, log::Logger& log,
                     DirSourceOptions options)
    : m_dir(std::move(dir)), m_state(state), m_log(log), m_options(options) {}

DirSource::~DirSource() {
  stop();
  for (const int fd : {m_dir_fd, m_inotify_fd, m_stop_fd}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

Result<void> DirSource::start() {
  m_dir = normal_path(m_dir);
  m_inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  m_stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (m_inotify_fd < 0 || m_stop_fd < 0) {
    return fail(ErrorKind::io_error, "inotify/eventfd: " + errno_text(errno));
  }
  // Watch the parent before opening: a recreation right after start is not missed.
  m_parent_wd = ::inotify_add_watch(m_inotify_fd, m_dir.parent_path().c_str(), k_parent_mask);
  if (!attach()) {
    return fail(ErrorKind::bad_input, m_problem.value_or("cannot open '" + m_dir.string() + "'"));
  }
  m_thread = std::thread([this] { run(); });
  return {};
}

std::optional<std::string> DirSource::problem() const {
  const std::lock_guard lock(m_problem_mutex);
  return m_problem;
}

bool DirSource::attach() {
  const int fd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const std::lock_guard lock(m_problem_mutex);
    m_problem = "cannot open source directory '" + m_dir.string() + "': " + errno_text(errno);
    return false;
  }
  // Watch before scanning: a write during the scan is then seen twice, never missed.
  const int wd = ::inotify_add_watch(m_inotify_fd, m_dir.c_str(), k_watch_mask);
  struct stat st {};
  if (wd < 0 || ::fstat(fd, &st) != 0) {
    const std::lock_guard lock(m_problem_mutex);
    m_problem = "cannot watch '" + m_dir.string() + "': " + errno_text(errno);
    ::close(fd);
    return false;
  }
  m_dir_fd = fd;
  m_dir_wd = wd;
  m_dir_dev = st.st_dev;
  m_dir_ino = st.st_ino;
  const std::lock_guard lock(m_problem_mutex);
  m_problem.reset();
  return true;
}

void DirSource::detach() {
  if (m_dir_fd < 0) {
    return;
  }
  ::inotify_rm_watch(m_inotify_fd, m_dir_wd);  // fails harmlessly when already gone
  ::close(m_dir_fd);
  m_dir_fd = -1;
  m_dir_wd = -1;
  m_log.warn("fleet.dir.missing",
             {{"dir", m_dir.string()},
              {"message", "moved or removed; serving the last state, not ready until it is back"}});
  const std::lock_guard lock(m_problem_mutex);
  m_problem = "source directory '" + m_dir.string() + "' is missing (moved or deleted)";
}

// Follows whatever the path names now: gone -> detach; another directory -> re-attach
// and rescan (documents of the new directory appear, the old ones go).
bool DirSource::check_path() {
  struct stat st {};
  const bool present = ::stat(m_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  const bool same = present && m_dir_fd >= 0 && st.st_dev == m_dir_dev && st.st_ino == m_dir_ino;
  if (same || (!present && m_dir_fd < 0)) {
    return false;
  }
  detach();
  if (present && attach()) {
    m_log.info("fleet.dir.back", {{"dir", m_dir.string()}, {"message", "rescanning"}});
    scan();
  }
  return true;
}

void DirSource::stop() {
  if (m_thread.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_stop_fd, &one, sizeof one);
    m_thread.join();
  }
}

void DirSource::scan() {
  if (m_dir_fd < 0) {
    return;
  }
  auto files = list_document_files(m_dir_fd);
  if (!files) {
    // Nothing is dropped on a failed listing: the next event or tick tries again.
    m_log.warn("fleet.dir.scan_failed",
               {{"dir", m_dir.string()}, {"reason", files.error().message}});
    return;
  }
  std::vector<DocumentUpdate> updates = read_all(*files);
  std::erase_if(updates, [](const DocumentUpdate& u) { return u.removed; });
  // One batch: a cold load publishes one snapshot, whatever the number of documents.
  m_state.apply(std::move(updates), /*full_resync=*/true);
}

// Reading and validating dominate a cold load: spread them over the cores. Workers take
// the next chunk when done, so a core that other work slows down takes fewer.
std::vector<DocumentUpdate> DirSource::read_all(const std::vector<DocumentFileName>& files) {
  std::vector<DocumentUpdate> updates(files.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    std::string buffer;  // one per worker
    for (std::size_t begin = 0; (begin = next.fetch_add(k_scan_chunk)) < files.size();) {
      const std::size_t end = std::min(files.size(), begin + k_scan_chunk);
      for (std::size_t i = begin; i < end; ++i) {
        updates[i] = read_document_update(m_dir_fd, files[i], buffer);
      }
    }
  };
  const std::size_t chunks = (files.size() + k_scan_chunk - 1) / k_scan_chunk;
  const std::size_t workers = std::min(
      chunks, std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, k_max_scan_threads));
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back(work);
  }
  work();  // this thread is one of the workers
  for (auto& t : threads) {
    t.join();
  }
  return updates;
}

void DirSource::process(const std::vector<std::string>& names) {
  if (m_dir_fd < 0) {
    return;
  }
  std::vector<DocumentUpdate> updates;
  updates.reserve(names.size());
  std::string buffer;
  for (const auto& name : names) {
    if (const auto file = parse_document_file_name(name)) {
      updates.push_back(read_document_update(m_dir_fd, *file, buffer));
    }
  }
  m_state.apply(std::move(updates));
}

void DirSource::run() {
  scan();
  m_state.mark_ready();
  Pending pending;
  Clock::time_point next_tick = Clock::now() + m_options.tick;
  while (true) {
    Clock::time_point deadline = next_tick;
    if (pending.any()) {
      deadline = std::min({deadline, pending.last_event + m_options.quiet,
                           pending.first_event + m_options.max_delay});
    }
    switch (wait_for_events(deadline)) {
      case Wake::stop:
        return;
      case Wake::events:
        read_events(pending);
        break;
      case Wake::timeout:
        break;
    }
    apply_due(pending, next_tick);
  }
}

DirSource::Wake DirSource::wait_for_events(Clock::time_point deadline) {
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  std::array<pollfd, 2> fds = {{{m_inotify_fd, POLLIN, 0}, {m_stop_fd, POLLIN, 0}}};
  const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, wait)));
  if (ready < 0 && errno != EINTR) {
    m_log.error("fleet.dir.poll_failed", {{"reason", "poll: " + errno_text(errno)}});
    return Wake::stop;
  }
  if ((fds[1].revents & POLLIN) != 0) {
    return Wake::stop;
  }
  return (fds[0].revents & POLLIN) != 0 ? Wake::events : Wake::timeout;
}

void DirSource::read_events(Pending& pending) {
  // inotify(7): a buffer of at least sizeof(inotify_event) + NAME_MAX + 1 reads one event.
  alignas(inotify_event) std::array<char, 64 * 1024> buf;  // only what read() wrote is used
  ssize_t len = 0;
  while ((len = ::read(m_inotify_fd, buf.data(), buf.size())) > 0) {
    const auto event_time = Clock::now();
    if (!pending.any()) {
      pending.first_event = event_time;
    }
    pending.last_event = event_time;
    for (ssize_t off = 0; off < len;) {
      inotify_event event{};
      std::memcpy(&event, buf.data() + off, sizeof event);
      const char* name = buf.data() + off + static_cast<ssize_t>(sizeof(inotify_event));
      off += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
      note_event(event, name, pending);
    }
  }
}

// What one event means: a lost queue, the directory's own name, or a document name.
void DirSource::note_event(const inotify_event& event, const char* name, Pending& pending) {
  if ((event.mask & IN_Q_OVERFLOW) != 0) {
    pending.rescan = true;  // events were dropped: only a full scan is correct
    return;
  }
  if (event.wd == m_parent_wd) {
    pending.path_changed = true;  // only the directory's own name matters; stat decides
    return;
  }
  if (event.wd != m_dir_wd) {
    return;  // queued for a directory this source has left
  }
  if ((event.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) {
    pending.path_changed = true;
    return;
  }
  if (event.len == 0) {
    return;
  }
  std::string file(name, ::strnlen(name, event.len));
  if ((event.mask & IN_CREATE) != 0) {
    // A regular file being created is read at IN_CLOSE_WRITE (no half-written read);
    // anything else (symlink, FIFO) only ever sends IN_CREATE.
    struct stat st {};
    if (::fstatat(m_dir_fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
      return;
    }
  }
  pending.dirty.insert(std::move(file));
}

// Does what is due now: the path check (after a parent event, and every tick), a burst
// once it has been quiet (or waited long enough), and the staleness tick.
void DirSource::apply_due(Pending& pending, Clock::time_point& next_tick) {
  const auto now = Clock::now();
  if (pending.path_changed || now >= next_tick) {
    pending.path_changed = false;
    if (check_path()) {
      pending.dirty.clear();  // names of a directory we left, or covered by the rescan
      pending.rescan = false;
    }
  }
  if (pending.any() && (now >= pending.last_event + m_options.quiet ||
                        now >= pending.first_event + m_options.max_delay)) {
    if (pending.rescan) {
      scan();
    } else {
      process(std::vector<std::string>(pending.dirty.begin(), pending.dirty.end()));
    }
    pending.dirty.clear();
    pending.rescan = false;
  }
  if (now >= next_tick) {
    m_state.tick();
    next_tick = now + m_options.tick;
  }
}

}  // namespace ztp::fleet
