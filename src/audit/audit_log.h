#pragma once
// Sealed, forward-secure, append-only audit log of probe results (one per probe and node).
//
// Wiring it into the agent loop (a few lines):
//
//   auto log = audit::AuditLog::open(dir, audit::KeySource::state_file(), clock);
//   //  error -> configuration fault (no key state, key readable by others, log in use):
//   //  print error().message, exit 2; I/O trouble is NOT an error here, see head().stalled
//   ...each cycle, after building `doc` and before publishing it:
//   const std::string digest = report::content_digest(doc).value_or("");  // Result<string>
//   if (digest != last_digest || first_cycle || heartbeat_due) {
//     audit::AuditEntry e{doc.envelope.probe.name, doc.envelope.node, doc.envelope.wave,
//                         doc.envelope.generated_at, digest, mode_or_family, readiness,
//                         first_cycle ? audit::Reason::start
//                         : digest != last_digest ? audit::Reason::change
//                                                 : audit::Reason::heartbeat};
//     (void)log->append(e);  // durable (fdatasync) before it returns; on failure the head
//   }                        // turns stalled with a reason and the agent carries on
//   doc.envelope.audit_head = audit::envelope_head(log->head());
//   publish(doc);
//
// Guarantees:
// - append() returns only after the record is on stable storage (fdatasync on the
//   segment; fsync on the directory when a segment or the key state is created), so a
//   published auditHead never cites a record a power loss can take back.
// - open() cuts a torn last line (crash mid-append) and logs it (audit.torn_record_cut on
//   AuditOptions::logger); nothing before it is lost. It refuses a key state file that group
//   or others can read (permission_denied) and a log another process holds (flock).
// - ENOSPC, EFBIG (RLIMIT_FSIZE; open() ignores SIGXFSZ so the write fails instead of
//   killing the process), EROFS and EIO make append() return the error and head()
//   report stalled with that reason; the next append retries, and the first entry that
//   gets through records how many were missed.
//
// Crypto (OpenSSL 3 EVP; see docs/audit.md):
// - each record holds the previous record's SHA-256 (hash chain over the canonical line);
// - each record is sealed with HMAC-SHA256(k_e, record hash) where e is its epoch; epoch
//   keys evolve one way, k_{e+1} = HMAC-SHA256(k_e, "ztp-prem audit epoch evolve"), and
//   the node keeps only the current one (key_state.h), so taking the node over at epoch
//   i does not give the keys of epochs < i;
// - the last record of every epoch is a `close` record naming the next epoch, sealed with
//   the closing epoch's key, so deleting an epoch's tail is detectable too;
// - the setup seed k0 (the verification key) never stays on the node: `setup` prints it
//   once and stores k1. Records of epochs >= i sealed with a key stolen at epoch i, and a
//   truncated tail, are caught only by comparing with the off-node witness (auditHead).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "audit/boot_state.h"
#include "audit/crypto.h"
#include "audit/key_state.h"
#include "audit/record.h"
#include "audit/segments.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/posix_file.h"
#include "common/result.h"
#include "report/document.h"

namespace ztp::audit {

inline constexpr std::chrono::seconds k_default_epoch{15 * 60};

// The chain head: the last durable record, and whether appending currently works.
struct AuditHead {
  std::uint64_t seq = 0;
  Bytes32 hash{};
  bool stalled = false;
  std::string reason;  // why it is stalled; empty when not
};

// The envelope's optional auditHead field: {"seq": N, "hash": "sha256:...", "state": ...}.
report::AuditHeadRef envelope_head(const AuditHead& head);

// Where the sealing key comes from.
struct KeySource {
  // DIR/seal.key, created by `ztp-prem-audit setup --dir DIR` (the usual way).
  static KeySource state_file() { return {}; }
  // A file holding a verification key (e.g. a Kubernetes Secret volume, defaultMode 0400),
  // used only when DIR has no log yet: the log is then created from it. While the file
  // stays on the node an attacker can read k0, so remove the Secret once the log exists.
  static KeySource seed_file(std::filesystem::path path,
                             std::chrono::seconds epoch = k_default_epoch) {
    return {std::move(path), epoch};
  }
  std::optional<std::filesystem::path> seed;
  std::chrono::seconds seed_epoch = k_default_epoch;
};

struct AuditOptions {
  std::uint64_t max_segment_bytes = 16ull << 20;  // rotate beyond this size
  // Where the events only the log sees go (audit.torn_record_cut, audit.quote_failed,
  // audit.seed_file_left, audit.created_from_seed): the binary's JSON-lines logger, which
  // must outlive the log; nullptr: not logged. Stalling and resuming are in head(), and the
  // caller logs them when they change (agent::AuditStamp: audit.stalled, audit.resumed).
  log::Logger* logger = nullptr;
  // With quoting on: called for every entry with the previous record's hash; the entry
  // carries the quote (record.h BootQuote). A failed quote is logged and the entry is
  // appended without one (bootState then says quoted: false): auditing never stops.
  BootQuoter quote;
};

// The verification key as printed by setup: "ztp-audit-v1:<64 hex digits>".
std::string verification_key_text(const Bytes32& k0);
std::optional<Bytes32> parse_verification_key(std::string_view text);

class AuditLog {
 public:
  // Creates DIR (mode 0700) with its genesis records and key state; returns the
  // verification key, which exists nowhere else afterwards. Refuses a DIR already set up.
  static Result<std::string> setup(const std::filesystem::path& dir, std::chrono::seconds epoch,
                                   const Clock& clock);

  static Result<AuditLog> open(const std::filesystem::path& dir, const KeySource& key_source,
                               const Clock& clock, AuditOptions options = {});

  // Appends one entry durably and returns the new head. bad_input for an invalid entry
  // (nothing changes); any I/O failure returns its error and leaves head() stalled.
  Result<AuditHead> append(const AuditEntry& entry);

  // Closes the current epoch and destroys its key if the clock has moved past it, without
  // an entry. append() does this itself; calling it each cycle keeps keys short-lived
  // when nothing is appended for a while.
  Result<AuditHead> roll_epoch();

  AuditHead head() const { return m_head; }
  // Whether the last entry is quoted and where the quoted digest last changed (the whole
  // log is read once at open() when quoting is on).
  const BootState& boot_state() const { return m_boot.state(); }
  std::uint64_t epoch() const { return m_key ? m_key->epoch() : 0; }
  const std::filesystem::path& dir() const { return m_dir; }

  AuditLog(AuditLog&&) noexcept = default;
  AuditLog& operator=(AuditLog&&) noexcept = default;
  ~AuditLog() = default;

 private:
  AuditLog() = default;
  static Result<std::string> setup_in(const std::filesystem::path& dir, std::chrono::seconds epoch,
                                      const Clock& clock);
  // Creates the log from --audit-seed-file when there is none yet (only warns when there is).
  Result<void> start_from_seed(const std::filesystem::path& seed, std::chrono::seconds seed_epoch,
                               bool have_state);
  Result<void> recover_on_open();
  // Opens the newest segment for appending and cuts a torn tail; the tail's text, or
  // nothing when the log stalled (the tail is not a torn append).
  Result<std::optional<std::string>> open_last_segment(const Segment& last);
  // Takes the last record as the head, or stops appending when it does not continue this
  // log under this key.
  void adopt_head(const Record& record, const std::filesystem::path& segment);
  void stop_broken(const std::filesystem::path& segment, const std::string& why);
  bool cut_torn_tail(std::string& text, std::uint64_t offset);
  Result<void> read_boot_history();
  Result<void> roll_to(std::chrono::system_clock::time_point now);
  Result<void> write_record(Record& record);
  Result<void> rotate();
  void stall(const Error& error);
  void note(log::Level level, std::string_view event, const nlohmann::ordered_json& fields) const;

  std::filesystem::path m_dir;
  const Clock* m_clock = nullptr;
  AuditOptions m_options;
  std::optional<KeyState> m_key;
  std::filesystem::path m_segment_path;
  std::uint64_t m_segment_index = 0;
  UniqueFd m_segment;
  std::uint64_t m_segment_size = 0;  // durable end of the current segment
  bool m_dirty_tail = false;         // bytes past m_segment_size from a failed write
  bool m_writable = true;
  std::optional<Error> m_broken;  // the log cannot be extended safely (see reason)
  RecordType m_last_type = RecordType::open;
  std::optional<std::uint64_t> m_pending_epoch;  // closed, key not yet evolved
  std::uint64_t m_missed = 0;
  AuditHead m_head;
  BootTracker m_boot;
};

}  // namespace ztp::audit
