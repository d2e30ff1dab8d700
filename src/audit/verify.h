#pragma once
// Off-node verification of an audit log with the verification key k0: every record's
// canonical form, hash, chain link, seal (k_e derived from k0), epoch closing, and the
// optional witness head (the auditHead a ConfigMap or the fleet service holds). Stops at
// the first bad record and says what kind of damage it is.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/boot_state.h"
#include "audit/crypto.h"
#include "audit/log_reader.h"
#include "audit/record.h"
#include "common/clock.h"
#include "common/result.h"

namespace ztp::audit {

enum class Damage {
  modified,        // a record's bytes changed (unparsable, not canonical, hash mismatch)
  deleted,         // records missing from the chain (sequence gap, unclosed epoch, no genesis)
  reordered,       // genuine records out of order
  inserted,        // a record that is not part of the chain (foreign, forged or a duplicate)
  bad_seal,        // the seal does not verify: forged or re-hashed, or the wrong key
  chain_fork,      // two different genuine records claim the same place
  spliced,         // records of another log
  tail_truncated,  // the log ends before the witness head
  old_epoch_key,   // sealed with a key of an epoch that had already ended
  bad_quote,       // the record's TPM quote does not check (verify --ak)
  trailing_bytes,  // bytes after the last complete record (junk, or a torn append)
  other_subject,   // an entry about another node or probe than the log's first entry
};
std::string_view to_string(Damage d);

struct Witness {
  std::uint64_t seq = 0;
  Bytes32 hash{};
};
// "SEQ:sha256:<64 hex>" or "SEQ:<64 hex>".
std::optional<Witness> parse_witness(std::string_view text);

// Checks one entry's quote (record.boot, bound to record.prev); bad_input says what is
// wrong. Supplied by the caller (src/tpmquote), so this library needs no TPM code.
using QuoteCheck = std::function<Result<void>(const Record& record)>;

struct BadRecord {
  Damage damage = Damage::modified;
  std::string file;
  std::uint64_t line = 0;  // 0 when the damage concerns the end of the log
  std::optional<std::uint64_t> seq;
  std::string detail;
  std::optional<std::uint64_t> offset{};  // byte offset in file (of the line or trailing bytes)
};

struct VerifyReport {
  std::uint64_t records = 0;  // records verified before the first bad one (all when clean)
  std::uint64_t segments = 0;
  std::optional<std::uint64_t> head_seq;  // last good record
  Bytes32 head_hash{};
  std::uint64_t head_epoch = 0;
  std::uint64_t quoted = 0;                 // entries whose quote checked (with a QuoteCheck)
  std::uint64_t unquoted = 0;               // entries without a quote
  std::vector<std::uint64_t> boot_changes;  // seqs where the quoted digest changed
  std::optional<BadRecord> bad;
  bool clean() const { return !bad; }
};

// now bounds how far in the future an epoch may lie (a sealed clock, plus a day's slack).
// A log is one node's results of one probe: every entry must name the node and probe of
// the first entry. Bytes after the last complete record are damage: a torn append is cut
// by the node when it restarts, so a copy of a running node's log taken mid-append may show
// it; take the copy again.
// With quote_check, every quoted entry is checked after its chain and seal checks.
Result<VerifyReport> verify_source(const LogSource& source, const Bytes32& k0,
                                   const std::optional<Witness>& witness,
                                   std::chrono::system_clock::time_point now,
                                   const QuoteCheck& quote_check = {});
// With a witness, a directory without any segment is damage (deleted), not an input error.
Result<VerifyReport> verify_log(const std::filesystem::path& dir, const Bytes32& k0,
                                const std::optional<Witness>& witness, const Clock& clock,
                                const QuoteCheck& quote_check = {});

}  // namespace ztp::audit
