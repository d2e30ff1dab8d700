#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <system_error>

#include "audit/log_reader.h"
#include "audit/segments.h"

namespace ztp::audit {
namespace {

constexpr std::string_view k_key_prefix = "ztp-audit-v1:";

std::chrono::system_clock::time_point to_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

// RLIMIT_FSIZE sends SIGXFSZ, whose default action ends the process (signal(7)); ignored,
// the write fails with EFBIG instead and the log stalls while the agent keeps running.
void ignore_sigxfsz() {
  struct sigaction current {};
  if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    (void)::sigaction(SIGXFSZ, &ignore, nullptr);
  }
}

Result<Bytes32> seal_of(const Bytes32& key, const Bytes32& hash) {
  return hmac_sha256(key,
                     std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

Result<void> seal(Record& record, const Bytes32& key) {
  auto hash = compute_hash(record);
  if (!hash) {
    return tl::unexpected(hash.error());
  }
  record.hash = *hash;
  auto mac = seal_of(key, record.hash);
  if (!mac) {
    return tl::unexpected(mac.error());
  }
  record.seal = *mac;
  return {};
}

// Creates the genesis (epoch 0, sealed with k0) and closes epoch 0 at once, so the node
// stores k1 and never k0. Segment first, key state last: a crash leaves no usable state.
Result<void> initialise(const std::filesystem::path& dir, Bytes32 k0, std::chrono::seconds epoch,
                        std::chrono::system_clock::time_point now) {
  if (epoch.count() <= 0) {
    return fail(ErrorKind::bad_input, "audit epoch length must be positive");
  }
  auto id = random_bytes32();
  if (!id) {
    return tl::unexpected(id.error());
  }
  LogParams params;
  params.log_id = to_hex(*id).substr(0, 32);
  params.start = to_seconds(now);
  params.epoch_seconds = static_cast<std::uint64_t>(epoch.count());

  Record genesis;
  genesis.type = RecordType::open;
  genesis.seq = 0;
  genesis.epoch = 0;
  genesis.time = params.start;
  genesis.log_id = params.log_id;
  genesis.start = params.start;
  genesis.epoch_seconds = params.epoch_seconds;
  if (auto ok = seal(genesis, k0); !ok) {
    return ok;
  }
  Record close;
  close.type = RecordType::close;
  close.seq = 1;
  close.epoch = 0;
  close.time = params.start;
  close.log_id = params.log_id;
  close.prev = genesis.hash;
  close.next_epoch = epoch_of(params, params.start);
  if (auto ok = seal(close, k0); !ok) {
    return ok;
  }
  const std::filesystem::path segment = dir / segment_name(1);
  auto fd = open_file(segment, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  const std::string lines = to_line(genesis) + "\n" + to_line(close) + "\n";
  if (auto ok = write_all_at(fd->get(), segment, lines, 0); !ok) {
    return ok;
  }
  if (auto ok = sync_data(fd->get(), segment); !ok) {
    return ok;
  }
  auto k1 = evolve_key(k0, 0, close.next_epoch);
  wipe(k0);
  if (!k1) {
    return tl::unexpected(k1.error());
  }
  auto state = KeyState::create(dir / KeyState::k_file_name, params, close.next_epoch, *k1);
  wipe(*k1);
  if (!state) {
    return tl::unexpected(state.error());
  }
  return {};
}

// initialise(), and on failure nothing of it left behind (redteam.md BUG-13: a setup that
// failed on a full disk left an empty segment that refused every retry). Called only
// after checking that the directory holds neither a key state nor a segment, so both
// names are ours to remove.
Result<void> initialise_or_clean(const std::filesystem::path& dir, Bytes32 k0,
                                 std::chrono::seconds epoch,
                                 std::chrono::system_clock::time_point now) {
  auto ok = initialise(dir, k0, epoch, now);
  if (!ok) {
    std::error_code ignored;
    std::filesystem::remove(dir / KeyState::k_file_name, ignored);
    std::filesystem::remove(dir / segment_name(1), ignored);
    (void)sync_dir(dir);
  }
  return ok;
}

// A torn append is at most one record; the tail window holds it and the record before.
constexpr std::size_t k_tail_window = 4 * k_max_line_bytes;

struct Tail {
  std::string text;          // the last bytes of the segment
  std::uint64_t offset = 0;  // segment offset of text[0]
};

Result<Tail> read_tail(int fd, const std::filesystem::path& path) {
  auto size = file_size(fd, path);
  if (!size) {
    return tl::unexpected(size.error());
  }
  Tail tail;
  tail.offset = *size > k_tail_window ? *size - k_tail_window : 0;
  tail.text.resize(static_cast<std::size_t>(*size - tail.offset));
  std::size_t got = 0;
  while (got < tail.text.size()) {
    const ssize_t n = ::pread(fd, tail.text.data() + got, tail.text.size() - got,
                              static_cast<off_t>(tail.offset + got));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return tl::unexpected(errno_error(path, "read", n < 0 ? errno : EIO));
    }
    got += static_cast<std::size_t>(n);
  }
  return tail;
}

Result<Tail> read_segment_tail(const std::filesystem::path& path) {
  auto fd = open_regular(path, O_RDONLY);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  return read_tail(fd->get(), path);
}

// The last complete line of text, or empty.
std::string_view last_line(std::string_view text) {
  if (text.empty()) {
    return {};
  }
  text.remove_suffix(1);  // the final '\n'
  const auto start = text.rfind('\n');
  return start == std::string_view::npos ? text : text.substr(start + 1);
}

}  // namespace

report::AuditHeadRef envelope_head(const AuditHead& head) {
  return report::AuditHeadRef{head.seq, hash_text(head.hash), head.stalled};
}

std::string verification_key_text(const Bytes32& k0) {
  return std::string(k_key_prefix) + to_hex(k0);
}

std::optional<Bytes32> parse_verification_key(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.substr(0, k_key_prefix.size()) != k_key_prefix) {
    return std::nullopt;
  }
  return from_hex(text.substr(k_key_prefix.size()));
}

Result<std::string> AuditLog::setup(const std::filesystem::path& dir, std::chrono::seconds epoch,
                                    const Clock& clock) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorKind::io_error, "cannot create '" + dir.string() + "': " + ec.message());
  }
  auto made = setup_in(dir, epoch, clock);
  if (!made && created) {
    std::filesystem::remove(dir, ec);  // only if still empty: nothing of ours is left
  }
  return made;
}

Result<std::string> AuditLog::setup_in(const std::filesystem::path& dir, std::chrono::seconds epoch,
                                       const Clock& clock) {
  std::error_code ec;
  if (std::filesystem::is_symlink(dir / KeyState::k_file_name, ec) ||
      std::filesystem::exists(dir / KeyState::k_file_name, ec)) {
    return fail(ErrorKind::bad_input,
                "'" + dir.string() + "' already holds an audit log (seal.key exists)");
  }
  auto segments = list_segments(dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  if (!segments->empty()) {
    return fail(ErrorKind::bad_input,
                "'" + dir.string() + "' already holds audit log segments without a key state");
  }
  // Records name only the node, but who appended when is still nobody else's business.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) {
    return fail(ErrorKind::io_error, "cannot chmod '" + dir.string() + "': " + ec.message());
  }
  auto k0 = random_bytes32();
  if (!k0) {
    return tl::unexpected(k0.error());
  }
  const std::string text = verification_key_text(*k0);
  if (auto ok = initialise_or_clean(dir, *k0, epoch, clock.wall_now()); !ok) {
    wipe(*k0);
    return tl::unexpected(ok.error());
  }
  wipe(*k0);
  if (auto ok = sync_dir(dir); !ok) {
    return tl::unexpected(ok.error());
  }
  return text;
}

namespace {

Result<void> check_log_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorKind::not_found, "audit log directory '" + dir.string() +
                                          "' does not exist (create it with ztp-prem-audit "
                                          "setup --dir " +
                                          dir.string() + ")");
  }
  // Whoever can write the directory can swap the key state or segments under the node.
  return check_not_shared_writable(dir);
}

}  // namespace

Result<AuditLog> AuditLog::open(const std::filesystem::path& dir, const KeySource& key_source,
                                const Clock& clock, AuditOptions options) {
  AuditLog log;
  log.m_dir = dir;
  log.m_clock = &clock;
  log.m_options = std::move(options);
  if (auto ok = check_log_dir(dir); !ok) {
    return tl::unexpected(ok.error());
  }
  const std::filesystem::path state_path = dir / KeyState::k_file_name;
  std::error_code ec;
  const bool have_state =
      std::filesystem::is_symlink(state_path, ec) || std::filesystem::exists(state_path, ec);
  if (key_source.seed) {
    if (auto ok = log.start_from_seed(*key_source.seed, key_source.seed_epoch, have_state); !ok) {
      return tl::unexpected(ok.error());
    }
  } else if (!have_state) {
    return fail(ErrorKind::not_found, "no audit key state '" + state_path.string() +
                                          "' (run ztp-prem-audit setup --dir " + dir.string() +
                                          ")");
  }
  auto key = KeyState::open(state_path);
  if (!key) {
    return tl::unexpected(key.error());
  }
  log.m_key.emplace(std::move(*key));
  ignore_sigxfsz();
  if (auto ok = log.recover_on_open(); !ok) {
    return tl::unexpected(ok.error());
  }
  if (log.m_options.quote) {
    if (auto ok = log.read_boot_history(); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return log;
}

Result<void> AuditLog::start_from_seed(const std::filesystem::path& seed,
                                       std::chrono::seconds seed_epoch, bool have_state) {
  // Followed: a Kubernetes Secret volume presents its keys as symlinks.
  auto seed_fd = open_regular(seed, O_RDONLY);
  if (!seed_fd) {
    // Once the log exists, the Secret may be gone: that is what we ask for.
    return have_state ? Result<void>{} : tl::unexpected(seed_fd.error());
  }
  if (auto ok = check_private(seed_fd->get(), seed); !ok) {
    return ok;
  }
  if (have_state) {
    note(log::Level::warn, "audit.seed_file_left",
         {{"seedFile", seed.string()},
          {"message",
           "the seed file is still on the node; while it is, anyone who takes the node over "
           "can forge the whole log: remove it (delete the Secret) now that the log exists"}});
    return {};
  }
  auto text = read_all(seed_fd->get(), seed, k_max_line_bytes);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto k0 = parse_verification_key(*text);
  if (!k0) {
    return fail(ErrorKind::bad_input, "seed file '" + seed.string() +
                                          "' does not hold a verification key "
                                          "(ztp-audit-v1:<64 hex digits>)");
  }
  auto segments = list_segments(m_dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  if (!segments->empty()) {
    return fail(ErrorKind::bad_input, "'" + m_dir.string() +
                                          "' holds log segments but no key state: "
                                          "refusing to start a second log there");
  }
  if (auto ok = initialise_or_clean(m_dir, *k0, seed_epoch, m_clock->wall_now()); !ok) {
    return ok;
  }
  note(log::Level::info, "audit.created_from_seed", {{"dir", m_dir.string()}});
  return {};
}

namespace {

// The last record's line and the segment it is in: the last line of the last non-empty
// segment (a rotation may have left the newest segment empty).
struct HeadLine {
  std::string text;  // the tail bytes the line is in
  std::filesystem::path path;
};

Result<HeadLine> find_head_line(const std::vector<Segment>& segments, HeadLine newest) {
  for (auto it = segments.rbegin() + 1; newest.text.empty() && it != segments.rend(); ++it) {
    auto earlier = read_segment_tail(it->path);
    if (!earlier) {
      return tl::unexpected(earlier.error());
    }
    newest = HeadLine{std::move(earlier->text), it->path};
  }
  return newest;
}

}  // namespace

Result<void> AuditLog::recover_on_open() {
  auto segments = list_segments(m_dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  if (segments->empty()) {
    return fail(ErrorKind::bad_input, "'" + m_dir.string() +
                                          "' has an audit key state but no log segment "
                                          "(audit-*.jsonl): the log was removed");
  }
  auto tail = open_last_segment(segments->back());
  if (!tail || !*tail) {
    return tail ? Result<void>{} : tl::unexpected(tail.error());  // or stalled: not a torn append
  }
  auto head = find_head_line(*segments, HeadLine{std::move(**tail), m_segment_path});
  if (!head) {
    return tl::unexpected(head.error());
  }
  const std::string_view line = last_line(head->text);
  if (line.empty()) {
    return fail(ErrorKind::bad_input,
                "audit log '" + m_dir.string() + "' holds no record (its genesis is gone)");
  }
  auto record = parse_record(line);
  if (!record) {
    stop_broken(head->path, "does not parse (" + record.error().message + ")");
    return {};
  }
  adopt_head(*record, head->path);
  return {};
}

Result<std::optional<std::string>> AuditLog::open_last_segment(const Segment& last) {
  m_segment_path = last.path;
  m_segment_index = last.index;
  auto fd = open_regular(last.path, O_RDWR);
  if (!fd && fd.error().sys_errno == EROFS) {
    m_writable = false;
    stall(fd.error());
    fd = open_regular(last.path, O_RDONLY);
  }
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  m_segment = std::move(*fd);
  auto tail = read_tail(m_segment.get(), m_segment_path);
  if (!tail) {
    return tl::unexpected(tail.error());
  }
  if (!cut_torn_tail(tail->text, tail->offset)) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{std::move(tail->text)};
}

void AuditLog::stop_broken(const std::filesystem::path& segment, const std::string& why) {
  m_broken =
      Error{ErrorKind::bad_input, "audit log '" + segment.string() + "': last record " + why +
                                      "; appending stopped, run ztp-prem-audit verify"};
  stall(*m_broken);
}

void AuditLog::adopt_head(const Record& record, const std::filesystem::path& segment) {
  m_head.seq = record.seq;
  m_head.hash = record.hash;
  m_last_type = record.type;
  auto hash = compute_hash(record);
  if (!hash || !equal(*hash, record.hash)) {
    return stop_broken(segment, "does not match its hash");
  }
  if (record.log_id != m_key->params().log_id) {
    return stop_broken(segment, "belongs to another log (" + record.log_id + ")");
  }
  const std::uint64_t key_epoch = m_key->epoch();
  if (record.type == RecordType::close && key_epoch == record.epoch) {
    // Crash after the close record, before the key evolved: finish the evolution.
    m_pending_epoch = record.next_epoch;
    if (auto ok = m_key->evolve_to(record.next_epoch); !ok) {
      stall(ok.error());
    } else {
      m_pending_epoch.reset();
    }
  } else if (record.type == RecordType::close ? key_epoch != record.next_epoch
                                              : key_epoch != record.epoch) {
    stop_broken(segment, "is in epoch " + std::to_string(record.epoch) +
                             " but the key state is at epoch " + std::to_string(key_epoch) +
                             " (records are missing from the tail, or the key state was "
                             "replaced)");
  } else if (record.type != RecordType::close) {
    auto mac = seal_of(m_key->key(), record.hash);
    if (!mac || !equal(*mac, record.seal)) {
      stop_broken(segment, "is not sealed with this node's key");
    }
  }
}

// A crash mid-append can leave a partial line (or, on some file systems, zeros) after the
// last newline; everything up to that newline was synced before the crash. More than a
// record's worth without a newline is not a torn append: appending stops (verify tells).
// Leaves text (the segment's last bytes, from offset) ending at its last newline, or empty;
// false when appending stopped.
bool AuditLog::cut_torn_tail(std::string& text, std::uint64_t offset) {
  const auto end = text.rfind('\n');
  const std::size_t keep = end == std::string::npos ? 0 : end + 1;
  const std::uint64_t keep_at = offset + keep;
  if (keep == text.size()) {
    m_segment_size = keep_at;
    return true;
  }
  if (end == std::string::npos && offset > 0) {
    m_broken = Error{ErrorKind::bad_input,
                     "audit log '" + m_segment_path.string() + "': more than " +
                         std::to_string(k_tail_window) +
                         " bytes after the last newline, which no torn append leaves; "
                         "appending stopped, run ztp-prem-audit verify"};
    stall(*m_broken);
    m_segment_size = offset + text.size();
    return false;
  }
  const std::size_t cut = text.size() - keep;
  if (m_writable && ::ftruncate(m_segment.get(), static_cast<off_t>(keep_at)) == 0 &&
      sync_data(m_segment.get(), m_segment_path)) {
    note(log::Level::warn, "audit.torn_record_cut",
         {{"segment", m_segment_path.string()},
          {"offset", keep_at},
          {"bytes", cut},
          {"message", "a torn last record was cut; every record before it is intact"}});
  } else {
    m_dirty_tail = true;
    m_broken = errno_error(m_segment_path, "cutting a torn last record", errno);
    stall(*m_broken);
  }
  text.resize(keep);
  m_segment_size = keep_at;
  return true;
}

Result<void> AuditLog::read_boot_history() {
  auto segments = list_segments(m_dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  auto read = for_each_line(LogSource::from_segments(*segments),
                            [this](const LinePos&, std::string_view line) {
                              if (auto record = parse_record(line)) {
                                (void)m_boot.observe(*record);
                              }
                              return true;
                            });
  if (!read) {
    return tl::unexpected(read.error());
  }
  return {};
}

Result<void> AuditLog::rotate() {
  const std::uint64_t index = m_segment_index + 1;
  const std::filesystem::path path = m_dir / segment_name(index);
  auto fd = open_file(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  if (auto ok = sync_dir(m_dir); !ok) {
    ::unlink(path.c_str());
    return ok;
  }
  m_segment = std::move(*fd);
  m_segment_path = path;
  m_segment_index = index;
  m_segment_size = 0;
  return {};
}

Result<void> AuditLog::write_record(Record& record) {
  if (auto ok = seal(record, m_key->key()); !ok) {
    return ok;
  }
  const std::string line = to_line(record) + "\n";
  if (m_dirty_tail) {
    // A failed write left bytes past the durable end: cut them before anything else.
    if (::ftruncate(m_segment.get(), static_cast<off_t>(m_segment_size)) != 0) {
      return tl::unexpected(errno_error(m_segment_path, "ftruncate", errno));
    }
    if (auto ok = sync_data(m_segment.get(), m_segment_path); !ok) {
      return ok;
    }
    m_dirty_tail = false;
  }
  if (m_segment_size > 0 && m_segment_size + line.size() > m_options.max_segment_bytes) {
    if (auto ok = rotate(); !ok) {
      return ok;
    }
  }
  auto written = write_all_at(m_segment.get(), m_segment_path, line, m_segment_size);
  if (written) {
    written = sync_data(m_segment.get(), m_segment_path);
  }
  if (!written) {
    m_dirty_tail = true;
    if (::ftruncate(m_segment.get(), static_cast<off_t>(m_segment_size)) == 0) {
      m_dirty_tail = false;
    }
    return written;
  }
  m_segment_size += line.size();
  m_head.seq = record.seq;
  m_head.hash = record.hash;
  m_last_type = record.type;
  return {};
}

Result<void> AuditLog::roll_to(std::chrono::system_clock::time_point now) {
  if (m_pending_epoch) {
    // The close record is durable but the key did not evolve yet: finish that first.
    if (auto ok = m_key->evolve_to(*m_pending_epoch); !ok) {
      return ok;
    }
    m_pending_epoch.reset();
  }
  const std::uint64_t target = epoch_of(m_key->params(), now);
  if (target <= m_key->epoch()) {
    return {};
  }
  // The close record goes first, sealed with the key about to be destroyed. If it cannot
  // be written the key stays: an unsealed epoch end would read as a deleted tail.
  Record close;
  close.type = RecordType::close;
  close.seq = m_head.seq + 1;
  close.epoch = m_key->epoch();
  close.time = now;
  close.log_id = m_key->params().log_id;
  close.prev = m_head.hash;
  close.next_epoch = target;
  if (auto ok = write_record(close); !ok) {
    return ok;
  }
  m_pending_epoch = target;
  if (auto ok = m_key->evolve_to(target); !ok) {
    return ok;
  }
  m_pending_epoch.reset();
  return {};
}

void AuditLog::stall(const Error& error) {
  m_head.stalled = true;
  m_head.reason = error.message;
}

void AuditLog::note(log::Level level, std::string_view event,
                    const nlohmann::ordered_json& fields) const {
  if (m_options.logger != nullptr) {
    m_options.logger->write(level, event, fields);
  }
}

Result<AuditHead> AuditLog::roll_epoch() {
  if (m_broken) {
    return tl::unexpected(*m_broken);
  }
  if (!m_writable) {
    return fail(ErrorKind::io_error, m_head.reason);
  }
  if (auto ok = roll_to(to_seconds(m_clock->wall_now())); !ok) {
    stall(ok.error());
    return tl::unexpected(ok.error());
  }
  return m_head;
}

Result<AuditHead> AuditLog::append(const AuditEntry& entry) {
  if (auto ok = check_entry(entry); !ok) {
    return tl::unexpected(ok.error());
  }
  if (m_broken) {
    ++m_missed;
    return tl::unexpected(*m_broken);
  }
  if (!m_writable) {
    ++m_missed;
    return fail(ErrorKind::io_error, m_head.reason);
  }
  const auto now = to_seconds(m_clock->wall_now());
  auto done = roll_to(now);
  if (done) {
    Record record;
    record.type = RecordType::entry;
    record.seq = m_head.seq + 1;
    record.epoch = m_key->epoch();
    record.time = now;
    record.log_id = m_key->params().log_id;
    record.prev = m_head.hash;
    record.entry = entry;
    record.entry.generated_at = to_seconds(entry.generated_at);
    record.missed = m_missed;
    if (m_options.quote) {
      // qualifyingData = the previous record's hash: the quote is bound to this place in
      // the chain and cannot be made before that record existed.
      auto quoted = m_options.quote(record.prev);
      if (quoted) {
        record.boot = std::move(*quoted);
      } else {
        note(log::Level::warn, "audit.quote_failed",
             {{"reason", quoted.error().message}, {"message", "entry appended unquoted"}});
      }
    }
    done = write_record(record);
    if (done) {
      (void)m_boot.observe(record);
    }
  }
  if (!done) {
    ++m_missed;
    stall(done.error());
    return tl::unexpected(done.error());
  }
  m_missed = 0;
  m_head.stalled = false;
  m_head.reason.clear();
  return m_head;
}

}  // namespace ztp::audit
