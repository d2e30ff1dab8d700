#pragma once
// The fleet model: every node's CC and TPM document slots, and the snapshot built from
// them. Sources push updates; HTTP handlers read snapshots and wait for revisions.
// Thread-safe: one mutex for the slots (writers), one for the published snapshot.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "fleet/snapshot.h"
#include "fleet/status_document.h"

namespace ztp::fleet {

// One document appearing, changing or going away.
struct DocumentUpdate {
  std::string node;
  Probe probe = Probe::cc;
  bool removed = false;
  // Full resync only: the slot already holds this content (see holds()); keep it. Lets a
  // re-list drop each unchanged document as it is read instead of holding a second copy
  // of the whole fleet until the swap.
  bool unchanged = false;
  Result<StatusDocument> document = fail(ErrorKind::not_found, "not read");  // unless removed
};

class FleetState {
 public:
  FleetState(const Clock& clock, std::chrono::seconds stale_after);

  // Applies a batch and publishes one new revision if anything changed. With
  // full_resync the batch is the whole source: slots it does not mention are dropped.
  void apply(std::vector<DocumentUpdate> updates, bool full_resync = false);
  // Whether the update's slot already holds exactly its content (same compact document,
  // or the same invalid reason): applying it would change nothing.
  bool holds(const DocumentUpdate& update);
  // Publishes a new revision when a document crossed --stale-after since the last one.
  void tick();
  // The initial scan is done: /readyz turns 200.
  void mark_ready();
  bool ready() const;

  std::shared_ptr<const Snapshot> snapshot() const;
  // Blocks until the revision exceeds `seen`, shutdown, or timeout; returns the revision.
  std::uint64_t wait_for_revision(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good (server shutdown).
  void shutdown();
  bool shutting_down() const;

 private:
  struct Slot {
    std::optional<StatusDocument> document;  // valid
    std::shared_ptr<const std::string> compact;
    std::string invalid_reason;  // set when the slot holds an invalid document
    std::uint64_t listed = 0;    // the last full resync that listed this slot
    bool present() const { return document.has_value() || !invalid_reason.empty(); }
  };
  struct NodeSlots {
    Slot cc;
    Slot tpm;
    Slot attest;  // the verifier's verdict: shown and counted, never ages the row
    Slot& of(Probe probe) { return probe == Probe::cc ? cc : probe == Probe::tpm ? tpm : attest; }
    const Slot& of(Probe probe) const {
      return probe == Probe::cc ? cc : probe == Probe::tpm ? tpm : attest;
    }
    bool any() const { return cc.present() || tpm.present() || attest.present(); }
  };

  bool apply_one(DocumentUpdate& update, std::uint64_t listing);
  void mark_listed(const DocumentUpdate& update, std::uint64_t listing);
  bool drop_unlisted(std::uint64_t listing);
  static Row row_of(const std::string& name, const NodeSlots& slots);
  void age_row(Row& row, const NodeSlots& slots, TimePoint now,
               std::optional<TimePoint>& next_transition) const;
  void publish_locked(std::chrono::system_clock::time_point now);

  const Clock& m_clock;
  const std::chrono::seconds m_stale_after;

  std::mutex m_model_mutex;  // guards m_nodes, m_revision, m_listings, m_next_stale_transition
  std::map<std::string, NodeSlots, std::less<>> m_nodes;
  std::uint64_t m_revision = 0;
  std::uint64_t m_listings = 0;  // full resyncs so far
  std::optional<std::chrono::system_clock::time_point> m_next_stale_transition;

  mutable std::mutex m_snapshot_mutex;  // guards the fields below
  mutable std::condition_variable m_changed;
  std::shared_ptr<const Snapshot> m_snapshot;
  bool m_ready = false;
  bool m_shutdown = false;
};

// Builds a snapshot from rows already sorted by name (exposed for benchmarks and tests).
std::shared_ptr<Snapshot> build_snapshot(std::vector<Row> rows, std::uint64_t revision,
                                         TimePoint now);

}  // namespace ztp::fleet
