#include "audit/verify.h"

#include "audit/key_state.h"
#include "audit/segments.h"
#include "report/document.h"

namespace ztp::audit {
namespace {

// Slack for the verifier's own clock when bounding epochs.
constexpr std::chrono::hours k_future_slack{24};

struct Seen {
  std::uint64_t seq = 0;
  Bytes32 hash{};
  RecordType type = RecordType::open;
  std::uint64_t epoch = 0;
  std::uint64_t next = 0;
  std::uint64_t line = 0;
  std::size_t segment = 0;
};

class Verifier {
 public:
  Verifier(const LogSource& source, const Bytes32& k0, const std::optional<Witness>& witness,
           std::chrono::system_clock::time_point now, const QuoteCheck& quote_check)
      : m_source(source), m_k0(k0), m_witness(witness), m_now(now), m_quote_check(quote_check) {}

  Result<VerifyReport> run() {
    m_report.segments = m_source.names.size();
    auto stats = for_each_line(
        m_source, [this](const LinePos& pos, std::string_view line) { return check(pos, line); });
    if (!stats) {
      return tl::unexpected(stats.error());
    }
    if (m_failed) {
      return finish_classification();
    }
    if (stats->trailing_bytes > 0) {
      const std::string& file = m_source.names.back();
      m_report.bad =
          BadRecord{Damage::trailing_bytes,
                    file,
                    0,
                    std::nullopt,
                    std::to_string(stats->trailing_bytes) +
                        " bytes after the last complete record, at offset " +
                        std::to_string(stats->trailing_offset) + " of " + file +
                        ": not a record (a torn append is cut when the node restarts; a copy "
                        "of a running node's log taken mid-append can show one: copy it again)",
                    stats->trailing_offset};
    } else if (!m_prev) {
      m_report.bad = BadRecord{Damage::deleted, "", 0, std::nullopt,
                               "the log holds no record (its genesis is gone)"};
    } else if (m_witness && m_witness->seq > m_prev->seq) {
      m_report.bad = BadRecord{
          Damage::tail_truncated, m_source.names[m_prev->segment], 0, m_witness->seq,
          "the log ends at seq " + std::to_string(m_prev->seq) + " but the witness saw seq " +
              std::to_string(m_witness->seq) + ": records were cut from the tail"};
    }
    return m_report;
  }

 private:
  enum class Pending { none, unsealed, misplaced };

  bool bad(const LinePos& pos, std::optional<std::uint64_t> seq, Damage damage,
           std::string detail) {
    m_report.bad = BadRecord{damage, m_source.names[pos.segment], pos.line,
                             seq,    std::move(detail),           pos.offset};
    m_failed = true;
    return false;
  }

  Result<Bytes32> key_for(std::uint64_t epoch) {
    if (!m_cache || m_cache_epoch > epoch) {
      m_cache = m_k0;
      m_cache_epoch = 0;
    }
    auto key = evolve_key(*m_cache, m_cache_epoch, epoch);
    if (!key) {
      return key;
    }
    m_cache = *key;
    m_cache_epoch = epoch;
    return key;
  }

  bool seal_ok(const Record& r) {
    if (!m_mac || m_mac_epoch != r.epoch) {
      auto key = key_for(r.epoch);
      if (!key) {
        return false;
      }
      m_mac.emplace(*key);
      m_mac_epoch = r.epoch;
    }
    auto mac =
        m_mac->mac(std::string_view(reinterpret_cast<const char*>(r.hash.data()), r.hash.size()));
    return mac && equal(*mac, r.seal);
  }

  // Parses and checks the hash; nullopt when the line is not an intact record.
  static std::optional<Record> intact(std::string_view line) {
    auto r = parse_record(line);
    if (!r) {
      return std::nullopt;
    }
    auto h = compute_hash(*r);
    if (!h || !equal(*h, r->hash)) {
      return std::nullopt;
    }
    return *r;
  }

  bool check(const LinePos& pos, std::string_view line) {
    auto parsed = parse_record(line);
    if (!parsed) {
      return bad(pos, std::nullopt, Damage::modified,
                 "not a valid audit record: " + parsed.error().message);
    }
    const Record& r = *parsed;
    auto hash = compute_hash_of_line(line, r);
    if (!hash || !equal(*hash, r.hash)) {
      return bad(pos, r.seq, Damage::modified,
                 "the record's content does not match its hash: it was changed after sealing");
    }
    if (!m_params) {
      return genesis_ok(pos, r);
    }
    if (!in_place(pos, r) || !epochs_ok(pos, r) || !dates_ok(pos, r) || !subject_ok(pos, r) ||
        !witness_ok(pos, r) || !quote_ok(pos, r)) {
      return false;
    }
    accept(pos, r);
    return true;
  }

  // The first record: the genesis, sealed with k0; it fixes the log's id and epochs.
  bool genesis_ok(const LinePos& pos, const Record& r) {
    if (r.type != RecordType::open || r.seq != 0) {
      return bad(pos, r.seq, Damage::deleted,
                 "the log does not start with its genesis record: records before seq " +
                     std::to_string(r.seq) + " are missing");
    }
    if (r.epoch != 0 || !seal_ok(r)) {
      return bad(pos, r.seq, Damage::bad_seal,
                 "the genesis record's seal does not verify: wrong verification key, or a "
                 "forged log");
    }
    m_params = LogParams{r.log_id, r.start, r.epoch_seconds};
    m_max_epoch = epoch_of(*m_params, m_now + k_future_slack);
    if (!witness_ok(pos, r)) {
      return false;
    }
    accept(pos, r);
    return true;
  }

  // Of this log, not from the future, sealed, and linked to the record before it; an
  // unsealed or misplaced record is left for finish_classification to name.
  bool in_place(const LinePos& pos, const Record& r) {
    if (r.log_id != m_params->log_id) {
      return bad(pos, r.seq, Damage::spliced,
                 "record of another log (" + r.log_id + ", this log is " + m_params->log_id +
                     "): two logs were spliced");
    }
    if (r.epoch > m_max_epoch) {
      return bad(pos, r.seq, Damage::modified,
                 "record claims epoch " + std::to_string(r.epoch) + ", later than now");
    }
    const Seen& p = *m_prev;
    if (!seal_ok(r)) {
      m_pending = Pending::unsealed;
      return pending(pos, r);
    }
    if (r.seq != p.seq + 1 || !equal(r.prev, p.hash)) {
      m_pending = Pending::misplaced;
      return pending(pos, r);
    }
    return true;
  }

  // Epochs only move forward, and only through the previous epoch's sealed close record.
  bool epochs_ok(const LinePos& pos, const Record& r) {
    const Seen& p = *m_prev;
    if (r.epoch < p.epoch) {
      return bad(pos, r.seq, Damage::old_epoch_key,
                 "record is sealed for epoch " + std::to_string(r.epoch) +
                     " after a record of epoch " + std::to_string(p.epoch) +
                     ": someone holding a retired key wrote it");
    }
    if (p.type == RecordType::close) {
      if (r.epoch == p.epoch) {
        return bad(pos, r.seq, Damage::old_epoch_key,
                   "record is sealed with the key of epoch " + std::to_string(r.epoch) +
                       " after that epoch was closed");
      }
      if (r.epoch != p.next) {
        return bad(pos, r.seq, Damage::deleted,
                   "the close record of epoch " + std::to_string(p.epoch) + " announced epoch " +
                       std::to_string(p.next) + " but the next record is in epoch " +
                       std::to_string(r.epoch) + ": records were deleted");
      }
    } else if (r.epoch > p.epoch) {
      return bad(pos, r.seq, Damage::deleted,
                 "epoch " + std::to_string(p.epoch) +
                     " ends without its sealed close record: the end of that epoch was deleted");
    }
    return true;
  }

  // One genesis; a close names the epoch its time falls in; an entry's key was current then.
  bool dates_ok(const LinePos& pos, const Record& r) {
    if (r.type == RecordType::open) {
      return bad(pos, r.seq, Damage::inserted, "a second genesis record");
    }
    const std::uint64_t time_epoch = epoch_of(*m_params, r.time);
    if (r.type == RecordType::close && (r.next_epoch <= r.epoch || r.next_epoch != time_epoch)) {
      return bad(pos, r.seq, Damage::modified,
                 "close record names epoch " + std::to_string(r.next_epoch) +
                     ", which does not follow from its time");
    }
    if (r.type == RecordType::entry && time_epoch > r.epoch) {
      return bad(pos, r.seq, Damage::old_epoch_key,
                 "record dated " + report::format_rfc3339(r.time) + " (epoch " +
                     std::to_string(time_epoch) + ") is sealed with the key of epoch " +
                     std::to_string(r.epoch) + ", which had ended by then");
    }
    return true;
  }

  // One log, one node, one probe (audit_log.h): the first entry fixes them.
  bool subject_ok(const LinePos& pos, const Record& r) {
    if (r.type != RecordType::entry) {
      return true;
    }
    if (!m_subject) {
      m_subject = Subject{r.entry.node, r.entry.probe, r.seq};
      return true;
    }
    if (r.entry.node == m_subject->node && r.entry.probe == m_subject->probe) {
      return true;
    }
    return bad(pos, r.seq, Damage::other_subject,
               "entry about node '" + r.entry.node + "', probe '" + r.entry.probe +
                   "' in the log of node '" + m_subject->node + "', probe '" + m_subject->probe +
                   "' (seq " + std::to_string(m_subject->seq) +
                   "): a second writer shares this log, or results were copied in");
  }

  // Runs last: the record is genuine and in place, so r.prev is the previous record's hash.
  bool quote_ok(const LinePos& pos, const Record& r) {
    if (r.type != RecordType::entry) {
      return true;
    }
    if (!r.boot) {
      ++m_report.unquoted;
    } else if (m_quote_check) {
      auto checked = m_quote_check(r);
      if (!checked) {
        return bad(pos, r.seq, Damage::bad_quote, checked.error().message);
      }
      ++m_report.quoted;
    }
    if (m_boot.observe(r)) {
      m_report.boot_changes.push_back(r.seq);
    }
    return true;
  }

  bool witness_ok(const LinePos& pos, const Record& r) {
    if (m_witness && m_witness->seq == r.seq && !equal(m_witness->hash, r.hash)) {
      return bad(pos, r.seq, Damage::chain_fork,
                 "the witness holds " + hash_text(m_witness->hash) + " for seq " +
                     std::to_string(r.seq) + " but the log holds " + hash_text(r.hash) +
                     ": the log was rewritten after the witness copied its head");
    }
    return true;
  }

  void accept(const LinePos& pos, const Record& r) {
    m_prev = Seen{r.seq, r.hash, r.type, r.epoch, r.next_epoch, pos.line, pos.segment};
    ++m_report.records;
    m_report.head_seq = r.seq;
    m_report.head_hash = r.hash;
    m_report.head_epoch = r.epoch;
  }

  // A record that is out of place or unsealed: the second pass tells which damage it is.
  bool pending(const LinePos& pos, const Record& r) {
    m_failed = true;
    m_bad_pos = pos;
    m_bad = r;
    return false;
  }

  // Intact records of this log around the bad one (at ordinal `at`), found in a second pass.
  struct Neighbours {
    std::optional<Record> next;                                 // the line right after it
    std::optional<std::pair<LinePos, Record>> later_missing;    // a missing seq, later on
    std::optional<std::pair<LinePos, Record>> same_seq_before;  // its seq, earlier on
  };

  Result<Neighbours> find_neighbours(const Record& r, std::uint64_t expected) {
    const std::uint64_t at = m_bad_pos.ordinal;
    Neighbours n;
    auto scan = for_each_line(m_source, [&](const LinePos& pos, std::string_view line) {
      if (pos.ordinal == at) {
        return true;
      }
      auto other = intact(line);
      if (!other || other->log_id != r.log_id) {
        return true;
      }
      if (pos.ordinal == at + 1) {
        n.next = other;
      }
      if (pos.ordinal > at && !n.later_missing && other->seq >= expected && other->seq < r.seq) {
        n.later_missing.emplace(pos, *other);
      }
      if (pos.ordinal < at && other->seq == r.seq && !n.same_seq_before) {
        n.same_seq_before.emplace(pos, *other);
      }
      return true;
    });
    if (!scan) {
      return tl::unexpected(scan.error());
    }
    return n;
  }

  std::string where(const LinePos& pos) const {
    return m_source.names[pos.segment] + ":" + std::to_string(pos.line);
  }

  // A sealed record out of place: reordered, deleted before it, inserted again, or a fork.
  void classify_misplaced(const Record& r, const Seen& p, const Neighbours& n) {
    const std::uint64_t expected = p.seq + 1;
    const std::string seq_text = std::to_string(r.seq);
    if (r.seq > expected && n.later_missing) {
      bad(m_bad_pos, r.seq, Damage::reordered,
          "record seq " + seq_text + " comes before seq " +
              std::to_string(n.later_missing->second.seq) + " (at " +
              where(n.later_missing->first) + ")");
    } else if (r.seq > expected) {
      bad(m_bad_pos, r.seq, Damage::deleted,
          "records " + std::to_string(expected) +
              (r.seq - 1 > expected ? ".." + std::to_string(r.seq - 1) : std::string()) +
              " are missing before seq " + seq_text);
    } else if (r.seq < expected && n.same_seq_before &&
               equal(n.same_seq_before->second.hash, r.hash)) {
      bad(m_bad_pos, r.seq, Damage::inserted,
          "a copy of the record at " + where(n.same_seq_before->first) + " (seq " + seq_text +
              ") was inserted again");
    } else if (r.seq < expected && n.same_seq_before) {
      bad(m_bad_pos, r.seq, Damage::chain_fork,
          "a second, different record with seq " + seq_text + " (the first is at " +
              where(n.same_seq_before->first) + "): the log forks");
    } else if (r.seq < expected) {
      bad(m_bad_pos, r.seq, Damage::reordered,
          "record seq " + seq_text + " comes after seq " + std::to_string(p.seq));
    } else {
      bad(m_bad_pos, r.seq, Damage::chain_fork,
          "record seq " + seq_text + " links to " + hash_text(r.prev) +
              ", not to the record before it (" + hash_text(p.hash) + "): the log forks here");
    }
  }

  Result<VerifyReport> finish_classification() {
    if (m_report.bad) {
      return m_report;
    }
    const Record& r = *m_bad;
    const Seen& p = *m_prev;
    const std::uint64_t expected = p.seq + 1;
    auto n = find_neighbours(r, expected);
    if (!n) {
      return tl::unexpected(n.error());
    }
    if (m_pending != Pending::unsealed) {
      classify_misplaced(r, p, *n);
    } else if (n->next && n->next->seq == expected && equal(n->next->prev, p.hash)) {
      bad(m_bad_pos, r.seq, Damage::inserted,
          "this record is not part of the chain (the record after it links to the one "
          "before it) and its seal does not verify");
    } else {
      bad(m_bad_pos, r.seq, Damage::bad_seal,
          "the seal does not verify with the key of epoch " + std::to_string(r.epoch) +
              ": the record was forged or re-sealed with another key");
    }
    return m_report;
  }

  struct Subject {
    std::string node;
    std::string probe;
    std::uint64_t seq = 0;
  };

  const LogSource& m_source;
  std::optional<Subject> m_subject;
  Bytes32 m_k0;
  std::optional<Witness> m_witness;
  std::chrono::system_clock::time_point m_now;
  const QuoteCheck& m_quote_check;
  BootTracker m_boot;
  VerifyReport m_report;
  std::optional<LogParams> m_params;
  std::uint64_t m_max_epoch = 0;
  std::optional<Seen> m_prev;
  std::optional<Bytes32> m_cache;
  std::uint64_t m_cache_epoch = 0;
  std::optional<HmacSha256> m_mac;  // keyed for m_mac_epoch
  std::uint64_t m_mac_epoch = 0;
  bool m_failed = false;
  Pending m_pending = Pending::none;
  LinePos m_bad_pos;
  std::optional<Record> m_bad;
};

}  // namespace

std::string_view to_string(Damage d) {
  switch (d) {
    case Damage::modified:
      return "modified";
    case Damage::deleted:
      return "deleted";
    case Damage::reordered:
      return "reordered";
    case Damage::inserted:
      return "inserted";
    case Damage::bad_seal:
      return "bad seal";
    case Damage::chain_fork:
      return "chain fork";
    case Damage::spliced:
      return "spliced";
    case Damage::tail_truncated:
      return "tail truncated";
    case Damage::old_epoch_key:
      return "old epoch key";
    case Damage::bad_quote:
      return "bad quote";
    case Damage::trailing_bytes:
      return "trailing bytes";
    case Damage::other_subject:
      return "other subject";
  }
  return "modified";
}

std::optional<Witness> parse_witness(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20) {
    return std::nullopt;
  }
  Witness w;
  for (const char c : text.substr(0, colon)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (w.seq > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    w.seq = w.seq * 10 + digit;
  }
  const std::string_view rest = text.substr(colon + 1);
  const auto hash = rest.size() == 64 ? from_hex(rest) : parse_hash_text(rest);
  if (!hash) {
    return std::nullopt;
  }
  w.hash = *hash;
  return w;
}

Result<VerifyReport> verify_source(const LogSource& source, const Bytes32& k0,
                                   const std::optional<Witness>& witness,
                                   std::chrono::system_clock::time_point now,
                                   const QuoteCheck& quote_check) {
  Verifier verifier(source, k0, witness, now, quote_check);
  return verifier.run();
}

Result<VerifyReport> verify_log(const std::filesystem::path& dir, const Bytes32& k0,
                                const std::optional<Witness>& witness, const Clock& clock,
                                const QuoteCheck& quote_check) {
  auto segments = list_segments(dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  if (segments->empty() && witness) {
    VerifyReport report;
    report.bad = BadRecord{Damage::deleted, "", 0, witness->seq,
                           "no segment (audit-*.jsonl) is left in '" + dir.string() +
                               "', but the witness saw seq " + std::to_string(witness->seq) +
                               ": the whole log was deleted"};
    return report;
  }
  if (segments->empty()) {
    return fail(ErrorKind::not_found,
                "no audit log segments (audit-*.jsonl) in '" + dir.string() + "'");
  }
  return verify_source(LogSource::from_segments(*segments), k0, witness, clock.wall_now(),
                       quote_check);
}

}  // namespace ztp::audit
