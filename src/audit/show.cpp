#include "audit/show.h"

#include <ostream>

#include "audit/boot_state.h"
#include "audit/log_reader.h"
#include "audit/segments.h"
#include "report/document.h"

namespace ztp::audit {

std::string render_record_text(const Record& r) {
  std::string out = "seq " + std::to_string(r.seq) + "  " + report::format_rfc3339(r.time) +
                    "  epoch " + std::to_string(r.epoch) + "  " + std::string(to_string(r.type));
  switch (r.type) {
    case RecordType::open:
      out += "  log " + r.log_id + ", epochs of " + std::to_string(r.epoch_seconds) + " s";
      break;
    case RecordType::entry:
      out += "  " + r.entry.probe + " node=" + r.entry.node + " wave=" + r.entry.wave + " " +
             r.entry.classification;
      if (r.entry.readiness) {
        out += " readiness=" + *r.entry.readiness;
      }
      out += " " + std::string(to_string(r.entry.reason)) + " " + r.entry.digest;
      if (r.missed > 0) {
        out += " missed=" + std::to_string(r.missed);
      }
      if (r.boot) {
        out += " quoted(" + r.boot->pcrs + ")";  // never the digest (boot_state.h)
      }
      break;
    case RecordType::close:
      out += "  next epoch " + std::to_string(r.next_epoch);
      break;
  }
  return out;
}

Result<ShowStats> show_log(const std::filesystem::path& dir, ShowFormat format, std::ostream& out) {
  auto segments = list_segments(dir);
  if (!segments) {
    return tl::unexpected(segments.error());
  }
  if (segments->empty()) {
    return fail(ErrorKind::not_found,
                "no audit log segments (audit-*.jsonl) in '" + dir.string() + "'");
  }
  const LogSource source = LogSource::from_segments(*segments);
  ShowStats stats;
  BootTracker boot;
  auto read = for_each_line(source, [&](const LinePos& pos, std::string_view line) {
    auto record = parse_record(line);
    if (!record) {
      ++stats.unreadable;
      if (format == ShowFormat::text) {
        out << source.names[pos.segment] << ":" << pos.line
            << ": unreadable: " << record.error().message << "\n";
      }
      return true;
    }
    ++stats.records;
    if (format == ShowFormat::jsonl) {
      out << line << "\n";  // already canonical JSON
    } else {
      out << render_record_text(*record) << "\n";
    }
    if (boot.observe(*record)) {
      ++stats.boot_changes;
      if (format == ShowFormat::text) {
        out << "boot state changed at seq " << record->seq << "\n";
      }
    }
    return true;
  });
  if (!read) {
    return tl::unexpected(read.error());
  }
  return stats;
}

}  // namespace ztp::audit
