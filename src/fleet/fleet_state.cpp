#include "fleet/fleet_state.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "fleet/render.h"

namespace ztp::fleet {

namespace {

// A document dated further ahead than this would never turn stale (a fast clock, or a
// hostile node): it is invalid instead. Clocks of NTP-synced nodes differ by far less.
constexpr std::chrono::minutes k_max_clock_skew{5};

// Ascending order of rows by a vocabulary index; ties by name (rows[] is by name). A
// missing value (-1) sorts after every present one. Counting sort: the keys are few.
std::vector<std::uint32_t> order_by_word(const std::vector<Row>& rows, std::int8_t Row::*key) {
  constexpr std::size_t k_missing = 127;  // above any index an int8_t holds
  const auto rank = [](std::int8_t v) { return v < 0 ? k_missing : static_cast<std::size_t>(v); };
  std::array<std::uint32_t, k_missing + 2> starts{};
  for (const Row& row : rows) {
    ++starts[rank(row.*key) + 1];
  }
  std::partial_sum(starts.begin(), starts.end(), starts.begin());
  std::vector<std::uint32_t> order(rows.size());
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    order[starts[rank(rows[i].*key)]++] = i;
  }
  return order;
}

// Never-seen first, then oldest first: the nodes to look at come first. Ties by name.
std::vector<std::uint32_t> order_by_last_seen(const std::vector<Row>& rows) {
  std::vector<std::uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Row& x = rows[a];
    const Row& y = rows[b];
    return std::make_tuple(x.last_seen.has_value(), x.last_seen.value_or(TimePoint{})) <
           std::make_tuple(y.last_seen.has_value(), y.last_seen.value_or(TimePoint{}));
  });
  return order;
}

FleetCounts count(const std::vector<Row>& rows, std::size_t invalid_documents) {
  FleetCounts c;
  c.nodes = rows.size();
  c.invalid_documents = invalid_documents;
  for (const Row& row : rows) {
    c.stale += row.stale ? 1U : 0U;
    c.invalid_nodes += row.invalid_reasons.empty() ? 0U : 1U;
    if (row.mode >= 0) {
      ++c.modes[static_cast<std::size_t>(row.mode)];
      for (std::size_t i = 0; i < k_capabilities.size(); ++i) {
        c.capabilities[i] += (row.capabilities >> i) & 1U;
      }
    }
    c.cc_missing += row.missing_cc ? 1U : 0U;
    if (row.family >= 0) {
      ++c.families[static_cast<std::size_t>(row.family)];
      for (std::size_t i = 0; i < k_missing_parts.size(); ++i) {
        c.missing_parts[i] += (row.missing_parts >> i) & 1U;
      }
    }
    if (row.readiness >= 0) {
      ++c.readiness[static_cast<std::size_t>(row.readiness)];
    }
    c.tpm_missing += row.missing_tpm ? 1U : 0U;
    c.boot_state_changed += row.boot_changed_at ? 1U : 0U;
    if (row.attestation >= 0) {
      ++c.attestation[static_cast<std::size_t>(row.attestation)];
      if (row.attest_reason >= 0) {
        ++c.attest_reasons[static_cast<std::size_t>(row.attest_reason)];
      }
    } else {
      ++c.attestation_none;
    }
    if (!row.wave.empty()) {
      ++c.waves[row.wave];
    }
  }
  return c;
}

}  // namespace

const Row* Snapshot::find(std::string_view name) const {
  const auto it = std::lower_bound(rows.begin(), rows.end(), name,
                                   [](const Row& row, std::string_view n) { return row.name < n; });
  return it != rows.end() && it->name == name ? &*it : nullptr;
}

std::shared_ptr<Snapshot> build_snapshot(std::vector<Row> rows, std::uint64_t revision,
                                         TimePoint now) {
  auto snap = std::make_shared<Snapshot>();
  snap->revision = revision;
  snap->generated_at = now;
  std::size_t invalid_documents = 0;
  for (const Row& row : rows) {
    invalid_documents += row.invalid_reasons.size();
  }
  snap->counts = count(rows, invalid_documents);
  const auto slot = [&](SortKey key) -> auto& {
    return snap->order[static_cast<std::size_t>(key)];
  };
  slot(SortKey::mode) = order_by_word(rows, &Row::mode);
  slot(SortKey::family) = order_by_word(rows, &Row::family);
  slot(SortKey::readiness) = order_by_word(rows, &Row::readiness);
  slot(SortKey::last_seen) = order_by_last_seen(rows);
  snap->rows = std::move(rows);
  snap->fleet_json = fleet_json(snap->counts, revision, now).dump();
  return snap;
}

FleetState::FleetState(const Clock& clock, std::chrono::seconds stale_after)
    : m_clock(clock), m_stale_after(stale_after) {
  std::lock_guard lock(m_model_mutex);
  publish_locked(m_clock.wall_now());
}

bool FleetState::apply_one(DocumentUpdate& update, std::uint64_t listing) {
  auto it = m_nodes.find(update.node);
  if (update.removed) {
    if (it == m_nodes.end()) {
      return false;
    }
    Slot& slot = it->second.of(update.probe);
    if (!slot.present()) {
      return false;
    }
    slot = Slot{};
    if (!it->second.any()) {
      m_nodes.erase(it);
    }
    return true;
  }
  if (it == m_nodes.end()) {
    it = m_nodes.emplace(update.node, NodeSlots{}).first;
  }
  Slot& slot = it->second.of(update.probe);
  Slot next;
  if (update.document && update.document->generated_at > m_clock.wall_now() + k_max_clock_skew) {
    update.document = fail(ErrorKind::bad_input, "generatedAt: more than 5 minutes in the future");
  }
  if (update.document) {
    next.compact = std::make_shared<const std::string>(std::move(update.document->compact));
    update.document->compact.clear();
    next.document = std::move(*update.document);
  } else {
    next.invalid_reason =
        std::string(to_string(update.probe)) + ": " + update.document.error().message;
  }
  const bool same = slot.present() && slot.invalid_reason == next.invalid_reason &&
                    ((!slot.compact && !next.compact) ||
                     (slot.compact && next.compact && *slot.compact == *next.compact));
  next.listed = listing;
  if (same) {
    slot.listed = listing;
    return false;  // a heartbeat rewrite with identical content is not a change
  }
  slot = std::move(next);
  return true;
}

void FleetState::mark_listed(const DocumentUpdate& update, std::uint64_t listing) {
  const auto it = m_nodes.find(update.node);
  if (it != m_nodes.end()) {
    it->second.of(update.probe).listed = listing;
  }
}

bool FleetState::drop_unlisted(std::uint64_t listing) {
  bool changed = false;
  for (auto it = m_nodes.begin(); it != m_nodes.end();) {
    for (Slot* slot : {&it->second.cc, &it->second.tpm, &it->second.attest}) {
      if (slot->present() && slot->listed != listing) {
        *slot = Slot{};
        changed = true;
      }
    }
    it = it->second.any() ? std::next(it) : m_nodes.erase(it);
  }
  return changed;
}

bool FleetState::holds(const DocumentUpdate& update) {
  std::lock_guard lock(m_model_mutex);
  const auto it = m_nodes.find(update.node);
  if (update.removed || it == m_nodes.end()) {
    return false;
  }
  const Slot& slot = it->second.of(update.probe);
  if (update.document) {
    return slot.compact != nullptr && *slot.compact == update.document->compact;
  }
  return !slot.invalid_reason.empty() &&
         slot.invalid_reason ==
             std::string(to_string(update.probe)) + ": " + update.document.error().message;
}

void FleetState::apply(std::vector<DocumentUpdate> updates, bool full_resync) {
  std::lock_guard lock(m_model_mutex);
  // A full resync marks every slot it lists, then drops the slots it did not list.
  const std::uint64_t listing = full_resync ? ++m_listings : 0;
  bool changed = false;
  for (auto& update : updates) {
    if (!update.unchanged) {
      changed = apply_one(update, listing) || changed;
    } else if (full_resync) {
      mark_listed(update, listing);
    }
  }
  if (full_resync) {
    changed = drop_unlisted(listing) || changed;
  }
  if (changed) {
    publish_locked(m_clock.wall_now());  // one revision per batch, however large
  }
}

void FleetState::tick() {
  std::lock_guard lock(m_model_mutex);
  const auto now = m_clock.wall_now();
  if (m_next_stale_transition && now >= *m_next_stale_transition) {
    publish_locked(now);
  }
}

// What a node's documents say: its valid documents' fields and why the others are invalid.
Row FleetState::row_of(const std::string& name, const NodeSlots& slots) {
  Row row;
  row.name = name;
  row.missing_cc = !slots.cc.present();
  row.missing_tpm = !slots.tpm.present();
  for (const Slot* slot : {&slots.cc, &slots.tpm, &slots.attest}) {
    if (!slot->invalid_reason.empty()) {
      row.invalid_reasons.push_back(slot->invalid_reason);
    }
  }
  if (const auto& attest = slots.attest.document) {
    row.attestation = attest->attested ? 1 : 0;
    row.attest_reason = static_cast<std::int8_t>(attest->attest_reason);
    row.attest_group = attest->attest_group;
    row.attested_at = attest->generated_at;
    row.attest_document = slots.attest.compact;
  }
  if (const auto& cc = slots.cc.document) {
    row.mode = static_cast<std::int8_t>(cc->mode);
    row.capabilities = cc->capabilities;
    row.wave = cc->wave;
    row.cc_document = slots.cc.compact;
    row.cc_generated_at = cc->generated_at;
  }
  if (const auto& tpm = slots.tpm.document) {
    row.family = static_cast<std::int8_t>(tpm->family);
    row.readiness = static_cast<std::int8_t>(tpm->readiness);
    row.missing_parts = tpm->missing_parts;
    row.boot_changed_at = tpm->boot_changed_at;
    if (row.wave.empty()) {
      row.wave = tpm->wave;
    }
    row.tpm_document = slots.tpm.compact;
    row.tpm_generated_at = tpm->generated_at;
  }
  return row;
}

// Staleness policy (--stale-after): a valid document older than the limit makes the row
// stale; the earliest future expiry is when the next tick must publish.
void FleetState::age_row(Row& row, const NodeSlots& slots, TimePoint now,
                         std::optional<TimePoint>& next_transition) const {
  const auto stale_after = std::chrono::duration_cast<TimePoint::duration>(m_stale_after);
  for (const Slot* slot : {&slots.cc, &slots.tpm}) {
    if (!slot->document) {
      continue;
    }
    const TimePoint generated = slot->document->generated_at;
    const TimePoint expires = generated + stale_after;
    if (now >= expires) {
      row.stale = true;
    } else if (!next_transition || expires < *next_transition) {
      next_transition = expires;
    }
    if (!row.last_seen || generated > *row.last_seen) {
      row.last_seen = generated;
    }
  }
  if (!row.invalid_reasons.empty()) {
    row.state = RowState::invalid;
  } else if (row.missing_cc || row.missing_tpm) {
    row.state = RowState::partial;
  } else if (row.stale) {
    row.state = RowState::stale;
  }
}

void FleetState::publish_locked(std::chrono::system_clock::time_point now) {
  std::vector<Row> rows;
  rows.reserve(m_nodes.size());
  std::optional<TimePoint> next_transition;
  for (const auto& [name, slots] : m_nodes) {
    Row row = row_of(name, slots);
    age_row(row, slots, now, next_transition);
    rows.push_back(std::move(row));
  }
  m_next_stale_transition = next_transition;
  std::shared_ptr<const Snapshot> snap = build_snapshot(std::move(rows), ++m_revision, now);
  {
    std::lock_guard lock(m_snapshot_mutex);
    m_snapshot = std::move(snap);
  }
  m_changed.notify_all();
}

void FleetState::mark_ready() {
  {
    std::lock_guard lock(m_snapshot_mutex);
    m_ready = true;
  }
  m_changed.notify_all();
}

bool FleetState::ready() const {
  std::lock_guard lock(m_snapshot_mutex);
  return m_ready;
}

std::shared_ptr<const Snapshot> FleetState::snapshot() const {
  std::lock_guard lock(m_snapshot_mutex);
  return m_snapshot;
}

std::uint64_t FleetState::wait_for_revision(std::uint64_t seen,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(m_snapshot_mutex);
  m_changed.wait_for(lock, timeout, [&] { return m_shutdown || m_snapshot->revision > seen; });
  return m_snapshot->revision;
}

void FleetState::shutdown() {
  {
    std::lock_guard lock(m_snapshot_mutex);
    m_shutdown = true;
  }
  m_changed.notify_all();
}

bool FleetState::shutting_down() const {
  std::lock_guard lock(m_snapshot_mutex);
  return m_shutdown;
}

}  // namespace ztp::fleet
