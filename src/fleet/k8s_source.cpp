#include "fleet/k8s_source.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <future>
#include <iterator>
#include <set>
#include <utility>

#include "common/k8s_names.h"
#include "k8s/configmap_client.h"

namespace ztp::fleet {

namespace {

// The agents' (and the verifier's) ConfigMap name: "ztp-prem-<node>" (src/publish/k8s_sink.cpp).
// The node label is left off when the node name is no valid label value (over 63 characters), so
// the name is the fallback.
constexpr std::string_view k_configmap_prefix = "ztp-prem-";
// A watch line is one ConfigMap event; a ConfigMap holds at most 1 MiB of data
// (k8s.io/docs/concepts/configuration/configmap/), so a larger line is not one of ours.
constexpr std::size_t k_max_watch_line = 2 * 1024 * 1024;
// HTTP 410 Gone: the resourceVersion is compacted away; only a new list is correct
// (k8s.io/docs/reference/using-api/api-concepts/#410-gone-responses).
constexpr int k_status_gone = 410;
constexpr int k_status_ok = 200;
// A watch shorter than this with no event did not time out (we ask for minutes).
constexpr std::chrono::seconds k_min_quiet_watch{1};
// Watch publications are spaced at least this many times the last one's cost.
constexpr int k_publish_cost_factor = 4;

std::string absent_report_reason(const std::string& ns) {
  return "no ConfigMap " + std::string(k_enforcement_configmap) + " in namespace " + ns +
         " (the enforcement controller of deploy/with-enforcement publishes it)";
}

}  // namespace

std::optional<ConfigMapUpdates> configmap_updates(const k8s::ConfigMapObject& object,
                                                  bool deleted) {
  std::string node;
  if (const auto it = object.labels.find(k_node_label); it != object.labels.end()) {
    node = it->second;
  } else if (object.name.starts_with(k_configmap_prefix)) {
    node = object.name.substr(k_configmap_prefix.size());
  }
  if (!is_node_name(node)) {
    return std::nullopt;
  }
  ConfigMapUpdates out;
  out.node = node;
  for (const auto& [probe, key] : {std::pair{Probe::cc, k_cc_key}, std::pair{Probe::tpm, k_tpm_key},
                                   std::pair{Probe::attest, k_attest_key}}) {
    DocumentUpdate update;
    update.node = node;
    update.probe = probe;
    const auto it = object.data.find(key);
    if (deleted || it == object.data.end()) {
      update.removed = true;
    } else {
      // The same validation as a file of --source dir: (size cap included).
      update.document = parse_status_document(it->second, probe, node);
    }
    out.updates.push_back(std::move(update));
  }
  return out;
}

K8sSource::K8sSource(k8s::HttpTransport& transport, FleetState& state, log::Logger& log,
                     K8sSourceOptions options, int stop_fd)
    : m_transport(transport),
      m_state(state),
      m_log(log),
      m_options(std::move(options)),
      m_stop_fd(stop_fd),
      m_rng(m_options.seed) {}

K8sSource::~K8sSource() { stop(); }

void K8sSource::start() {
  m_thread = std::thread([this] { run(); });
  m_ticker = std::thread([this] { run_ticker(); });
}

void K8sSource::stop() {
  if (!m_thread.joinable()) {
    return;
  }
  m_stopping = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(m_stop_fd, &one, sizeof one);
  m_thread.join();
  m_ticker.join();
}

bool K8sSource::wait_stop(std::chrono::milliseconds timeout) const {
  if (m_stopping) {
    return true;
  }
  pollfd fd{m_stop_fd, POLLIN, 0};
  const int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  return ready > 0 || m_stopping;
}

std::chrono::milliseconds K8sSource::next_backoff() {
  m_backoff = m_backoff.count() == 0 ? m_options.backoff_initial
                                     : std::min(m_backoff * 2, m_options.backoff_max);
  std::uniform_int_distribution<long long> jitter(0, m_backoff.count());
  return std::chrono::milliseconds(jitter(m_rng));
}

Result<k8s::HttpRequest> K8sSource::request(std::string target) const {
  k8s::HttpRequest req;
  req.method = "GET";
  req.target = std::move(target);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", m_options.user_agent);
  // Re-read each time: bound service-account tokens rotate.
  auto token = k8s::current_token(m_options.credentials);
  if (!token) {
    return tl::unexpected(token.error());
  }
  if (*token) {
    req.headers.emplace_back("Authorization", "Bearer " + **token);
  }
  return req;
}

void K8sSource::apply_enforcement_report(const k8s::ConfigMapObject& object, bool deleted) {
  m_enforcement_listed = !deleted;
  if (m_options.enforcement == nullptr) {
    return;
  }
  const auto it = object.data.find(std::string(k_enforcement_key));
  if (deleted) {
    m_options.enforcement->set_absent(absent_report_reason(m_options.namespace_name));
  } else if (it == object.data.end()) {
    m_options.enforcement->set_invalid("ConfigMap " + std::string(k_enforcement_configmap) +
                                       " has no key " + std::string(k_enforcement_key));
  } else {
    m_options.enforcement->set_bytes(it->second);
  }
}

void K8sSource::apply_object(const k8s::ConfigMapObject& object, bool deleted,
                             std::vector<DocumentUpdate>& out) {
  // The controller's report is no node's ConfigMap (unless a node label says it is).
  if (object.name == k_enforcement_configmap && !object.labels.contains(k_node_label)) {
    apply_enforcement_report(object, deleted);
    return;
  }
  auto updates = configmap_updates(object, deleted);
  // A ConfigMap that changed its node (or stopped naming a valid one) leaves the old node.
  const auto known = m_nodes_by_configmap.find(object.name);
  if (known != m_nodes_by_configmap.end() &&
      (!updates || deleted || updates->node != known->second)) {
    for (const Probe probe : {Probe::cc, Probe::tpm, Probe::attest}) {
      DocumentUpdate removal;
      removal.node = known->second;
      removal.probe = probe;
      removal.removed = true;
      out.push_back(std::move(removal));
    }
    m_nodes_by_configmap.erase(known);
  }
  if (!updates || deleted) {
    return;
  }
  m_nodes_by_configmap[object.name] = updates->node;
  for (auto& u : updates->updates) {
    out.push_back(std::move(u));
  }
}

std::string K8sSource::list_target(const std::string& continue_token, std::size_t limit) const {
  std::string target = k8s::configmaps_path(m_options.base_path, m_options.namespace_name) +
                       "?labelSelector=" + k8s::query_escape(k_part_of_selector) +
                       "&limit=" + std::to_string(limit);
  if (!continue_token.empty()) {
    target += "&continue=" + k8s::query_escape(continue_token);
  }
  return target;
}

std::string K8sSource::watch_target(const std::string& resource_version) const {
  return k8s::configmaps_path(m_options.base_path, m_options.namespace_name) +
         "?labelSelector=" + k8s::query_escape(k_part_of_selector) +
         "&watch=true&allowWatchBookmarks=true&resourceVersion=" +
         k8s::query_escape(resource_version) +
         "&timeoutSeconds=" + std::to_string(m_options.watch_timeout.count());
}

K8sSource::PageFetch K8sSource::fetch_page(const std::string& continue_token, std::size_t limit) {
  for (;;) {
    auto req = request(list_target(continue_token, limit));
    if (!req) {
      m_log.warn("fleet.k8s.credentials_failed", {{"reason", req.error().message}});
      return {std::nullopt, Outcome::backoff, limit};
    }
    auto res = m_transport.send(*req);
    if (m_stopping) {
      return {std::nullopt, Outcome::stopped, limit};
    }
    if (!res && res.error().sys_errno == EMSGSIZE && limit > 1) {
      // The page is over the response cap: the same continue token, a smaller page.
      limit /= 2;
      m_log.info("fleet.k8s.list_page_halved", {{"limit", limit}});
      continue;
    }
    if (!res) {
      m_log.warn("fleet.k8s.list_failed", {{"reason", res.error().message}});
      return {std::nullopt, Outcome::backoff, limit};
    }
    if (res->status == k_status_gone) {
      // The continue token expired between pages: start the list over.
      ++m_counters.gone;
      return {std::nullopt, Outcome::relist, limit};
    }
    if (res->status != k_status_ok) {
      m_log.warn("fleet.k8s.list_failed", {{"status", res->status}});
      return {std::nullopt, Outcome::backoff, limit};
    }
    auto page = k8s::parse_configmap_list(res->body);
    if (!page) {
      m_log.warn("fleet.k8s.list_failed", {{"reason", page.error().message}});
      return {std::nullopt, Outcome::backoff, limit};
    }
    return {std::move(*page), Outcome::rewatch, limit};
  }
}

void K8sSource::add_page(const k8s::ConfigMapList& page, std::vector<DocumentUpdate>& updates,
                         std::set<std::pair<std::string, Probe>>& listed_slots) {
  const std::size_t first_of_page = updates.size();
  for (const auto& item : page.items) {
    apply_object(item, false, updates);
  }
  // A re-list (start, 410 Gone) mostly reads what the model already holds: keep only a
  // marker for those, so the list never holds a second copy of the fleet.
  // (Only the first update of a node's slot: two ConfigMaps naming one node apply in order.)
  for (std::size_t i = first_of_page; i < updates.size(); ++i) {
    DocumentUpdate& u = updates[i];
    const bool first_for_slot = listed_slots.emplace(u.node, u.probe).second;
    if (!u.removed && first_for_slot && m_state.holds(u)) {
      u.unchanged = true;
      u.document = fail(ErrorKind::not_found, "unchanged");
    }
  }
}

K8sSource::Outcome K8sSource::list(std::string& resource_version) {
  // Watch events still waiting are older than this list, which supersedes them.
  flush_watch_updates(/*only_when_due=*/false);
  std::vector<DocumentUpdate> updates;
  std::set<std::pair<std::string, Probe>> listed_slots;
  std::string first_rv;
  m_nodes_by_configmap.clear();
  m_enforcement_listed = false;
  // The next page is on its way while this one is validated: the server's work and ours
  // overlap (each page needs the previous one's continue token, so one fetch at a time).
  auto fetch = [this](std::string token, std::size_t limit) {
    return std::async(std::launch::async,
                      [this, token = std::move(token), limit] { return fetch_page(token, limit); });
  };
  std::future<PageFetch> next = fetch("", m_options.page_limit);
  for (;;) {
    PageFetch got = next.get();
    if (!got.page) {
      return got.outcome;
    }
    if (first_rv.empty()) {
      // Pages of one list share the first page's snapshot (API concepts: "Retrieving large
      // results sets in chunks"); the watch starts there.
      first_rv = got.page->resource_version;
    }
    const bool last = got.page->continue_token.empty();
    if (!last) {
      next = fetch(got.page->continue_token, got.limit);
    }
    add_page(*got.page, updates, listed_slots);
    if (last) {
      break;
    }
  }
  // Removals of the old mapping are meaningless in a full resync.
  std::erase_if(updates, [](const DocumentUpdate& u) { return u.removed; });
  m_state.apply(std::move(updates), /*full_resync=*/true);
  if (!m_enforcement_listed && m_options.enforcement != nullptr) {
    m_options.enforcement->set_absent(absent_report_reason(m_options.namespace_name));
  }
  m_state.mark_ready();
  ++m_counters.lists;
  resource_version = first_rv;
  return Outcome::rewatch;
}

// What one watch stream has shown so far.
struct K8sSource::WatchProgress {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  k8s::WatchLineSplitter splitter{k_max_watch_line};
  std::optional<Outcome> verdict;  // the stream must end: what next
  bool counted = false;            // a first event arrived (the server answers)
};

K8sSource::Outcome K8sSource::watch(std::string& resource_version) {
  auto req = request(watch_target(resource_version));
  if (!req) {
    m_log.warn("fleet.k8s.credentials_failed", {{"reason", req.error().message}});
    return Outcome::backoff;
  }
  WatchProgress progress;
  const auto result = m_transport.stream(*req, [&](std::string_view chunk) {
    return on_watch_chunk(chunk, progress, resource_version);
  });
  // What the stream brought is published before the next list or watch decides anything.
  flush_watch_updates(/*only_when_due=*/false);
  return watch_outcome(result, progress);
}

bool K8sSource::on_watch_chunk(std::string_view chunk, WatchProgress& progress,
                               std::string& resource_version) {
  auto lines = progress.splitter.feed(chunk);
  if (!lines) {
    m_log.warn("fleet.k8s.watch_failed", {{"reason", lines.error().message}});
    progress.verdict = Outcome::backoff;
    return false;
  }
  std::vector<DocumentUpdate> updates;
  for (const auto& line : *lines) {
    auto event = k8s::parse_watch_event(line);
    if (!event) {
      // Not a watch event: an error Status body of a non-200 answer, or garbage.
      continue;
    }
    if (!progress.counted) {
      ++m_counters.watches;
      progress.counted = true;
      m_backoff = std::chrono::milliseconds(0);  // the server answers again
    }
    progress.verdict = on_watch_event(*event, resource_version, updates);
    if (progress.verdict) {
      break;
    }
  }
  if (!updates.empty()) {
    publish_watch_updates(std::move(updates));
  }
  return !progress.verdict.has_value();
}

std::optional<K8sSource::Outcome> K8sSource::on_watch_event(const k8s::WatchEvent& event,
                                                            std::string& resource_version,
                                                            std::vector<DocumentUpdate>& updates) {
  switch (event.type) {
    case k8s::WatchEventType::error:
      if (event.error_code == k_status_gone) {
        ++m_counters.gone;
        return Outcome::relist;
      }
      m_log.warn("fleet.k8s.watch_failed",
                 {{"status", event.error_code}, {"reason", "ERROR event: " + event.error_reason}});
      return Outcome::backoff;
    case k8s::WatchEventType::bookmark:
      resource_version = event.object.resource_version;
      return std::nullopt;
    case k8s::WatchEventType::added:
    case k8s::WatchEventType::modified:
    case k8s::WatchEventType::deleted:
      apply_object(event.object, event.type == k8s::WatchEventType::deleted, updates);
      resource_version = event.object.resource_version;
      ++m_counters.events;
      return std::nullopt;
  }
  return std::nullopt;
}

K8sSource::Outcome K8sSource::watch_outcome(const Result<int>& result,
                                            const WatchProgress& progress) {
  if (m_stopping) {
    return Outcome::stopped;
  }
  if (!result) {
    m_log.warn("fleet.k8s.watch_failed", {{"reason", result.error().message}});
    return Outcome::backoff;
  }
  const int status = *result;
  if (status == k_status_gone) {
    ++m_counters.gone;
    return Outcome::relist;
  }
  if (status != k_status_ok) {
    m_log.warn("fleet.k8s.watch_failed", {{"status", status}});
    return Outcome::backoff;
  }
  if (progress.verdict) {
    return *progress.verdict;
  }
  // The server ended the watch (timeoutSeconds): carry on from the last resourceVersion.
  // A watch that ends at once without a single event is a misbehaving server, not a
  // timeout: back off rather than spin.
  if (!progress.counted &&
      std::chrono::steady_clock::now() - progress.started < k_min_quiet_watch) {
    m_log.warn("fleet.k8s.watch_failed", {{"reason", "the watch ended at once without events"}});
    return Outcome::backoff;
  }
  return Outcome::rewatch;
}

void K8sSource::publish_watch_updates(std::vector<DocumentUpdate> updates) {
  std::lock_guard lock(m_pending_mutex);
  std::move(updates.begin(), updates.end(), std::back_inserter(m_pending));
  if (std::chrono::steady_clock::now() - m_last_publish >= m_spacing) {
    publish_pending_locked();
  }
}

void K8sSource::flush_watch_updates(bool only_when_due) {
  std::lock_guard lock(m_pending_mutex);
  if (!m_pending.empty() &&
      (!only_when_due || std::chrono::steady_clock::now() - m_last_publish >= m_spacing)) {
    publish_pending_locked();
  }
}

void K8sSource::publish_pending_locked() {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  m_state.apply(std::exchange(m_pending, {}));
  m_last_publish = Clock::now();
  // A snapshot of a large fleet takes longer to build: space publications so that building
  // them takes at most a quarter of the time, however large the fleet.
  m_spacing =
      std::max(m_options.publish_interval, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               k_publish_cost_factor * (m_last_publish - started)));
}

void K8sSource::run() {
  using Clock = std::chrono::steady_clock;
  std::string resource_version;
  bool listed = false;
  std::optional<Clock::time_point> last_relist;
  while (!m_stopping) {
    const Outcome outcome = listed ? watch(resource_version) : list(resource_version);
    switch (outcome) {
      case Outcome::stopped:
        return;
      case Outcome::rewatch:
        if (!listed) {
          listed = true;
          m_backoff = std::chrono::milliseconds(0);
        }
        break;
      case Outcome::relist: {
        listed = false;
        // A 410 is routine (compaction): re-list at once. Repeated 410s back off.
        const auto now = Clock::now();
        if (last_relist && now - *last_relist < m_options.backoff_max &&
            wait_stop(next_backoff())) {
          return;
        }
        last_relist = now;
        break;
      }
      case Outcome::backoff:
        ++m_counters.failures;
        // A failed watch keeps its resourceVersion: if events were lost to compaction the
        // next watch says 410 and we re-list then.
        if (wait_stop(next_backoff())) {
          return;
        }
        break;
    }
  }
}

void K8sSource::run_ticker() {
  // Wakes often enough to publish the tail of a watch burst soon after it is due.
  using Clock = std::chrono::steady_clock;
  const auto period = std::min(m_options.tick, m_options.publish_interval);
  auto next_tick = Clock::now() + m_options.tick;
  while (!wait_stop(period)) {
    flush_watch_updates(/*only_when_due=*/true);
    if (Clock::now() >= next_tick) {
      m_state.tick();
      next_tick = Clock::now() + m_options.tick;
    }
  }
}

}  // namespace ztp::fleet
