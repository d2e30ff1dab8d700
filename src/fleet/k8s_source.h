#pragma once
// --source k8s: the per-node ConfigMaps the agents apply (ztp-prem-<node>, data keys
// cc.json and tpm.json, label ztp-prem.tlsstress.art/node=<node>), listed by label then
// watched. Paged list (limit/continue; the next page is fetched while the last one is
// validated) fills the model as one full resync; the watch starts
// at the list's resourceVersion with bookmarks; 410 Gone (list, watch status or ERROR
// event) means a full re-list; other failures back off exponentially with full jitter.
// Watch events reach the model in batches (publish_interval), one snapshot per batch.
// Documents go through the same validation as --source dir: (parse_status_document).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "fleet/enforcement_report.h"
#include "fleet/fleet_state.h"
#include "k8s/cluster_config.h"
#include "k8s/http.h"
#include "k8s/watch.h"

namespace ztp::fleet {

// The labels and keys of the agents' publication contract (src/publish/k8s_sink.cpp).
inline constexpr const char* k_part_of_selector = "app.kubernetes.io/part-of=ztp-prem";
inline constexpr const char* k_node_label = "ztp-prem.tlsstress.art/node";
inline constexpr const char* k_cc_key = "cc.json";
inline constexpr const char* k_tpm_key = "tpm.json";
// The attestation verifier's verdict (src/attest/verdict.h, its own field manager).
inline constexpr const char* k_attest_key = "attest.json";

inline constexpr std::size_t k_default_page_limit = 500;

struct K8sSourceOptions {
  std::string namespace_name = "ztp-prem";
  std::string base_path;  // server URL path prefix
  k8s::Credentials credentials;
  std::string user_agent = "ztp-prem-fleet";
  // Page size of the list (--k8s-page-size). 500 is client-go's (tools/pager:
  // defaultPageSize): at 10,000 ConfigMaps it lists faster than 100 (fewer round trips and
  // TLS handshakes, bench/k8s_fleet_bench.py). A page over the transport's 4 MiB response
  // cap (a few ConfigMaps near the 1 MiB limit) is asked for again at half the size.
  std::size_t page_limit = k_default_page_limit;
  // Watch events are published to the model at most this often, and at most once per 4x
  // the last publication's cost (one snapshot per batch, not per event: a burst of
  // thousands of agents would otherwise rebuild the fleet's snapshot for every event). An
  // event after a quiet spell is published at once; the rest of a burst, within about two
  // intervals (the ticker wakes this often).
  std::chrono::milliseconds publish_interval{50};
  // Asked of the server per watch; it then ends the stream and we re-watch from the last
  // resourceVersion. Under the transport's idle timeout. client-go uses 5-10 min.
  std::chrono::seconds watch_timeout{std::chrono::minutes(4)};
  // Backoff after a failure: doubles from initial up to max, full jitter (a random delay
  // in [0, bound]) so restarted replicas do not hit the API server in step.
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  // How often staleness is re-evaluated (as DirSourceOptions::tick).
  std::chrono::milliseconds tick{1000};
  std::uint64_t seed = std::random_device{}();
  // Where the ConfigMap ztp-prem-enforcement (the controller's preflight report, which
  // carries the part-of label and so arrives with the list and watch) goes; none: ignored.
  EnforcementReports* enforcement = nullptr;
};

// Statistics for tests and logs.
struct K8sSourceCounters {
  std::atomic<std::uint64_t> lists{0};     // completed full lists
  std::atomic<std::uint64_t> watches{0};   // watch streams opened with status 200
  std::atomic<std::uint64_t> gone{0};      // 410s that forced a re-list
  std::atomic<std::uint64_t> failures{0};  // failures followed by a backoff
  std::atomic<std::uint64_t> events{0};    // watch events applied
};

// The document updates one ConfigMap stands for: its node (from the node label) and one
// update per probe key (a missing key removes that probe's document). nullopt when the
// ConfigMap names no valid node. `deleted` turns every update into a removal.
struct ConfigMapUpdates {
  std::string node;
  std::vector<DocumentUpdate> updates;
};
std::optional<ConfigMapUpdates> configmap_updates(const k8s::ConfigMapObject& object, bool deleted);

class K8sSource {
 public:
  // transport must outlive the source and be created with TlsOptions::cancel_fd = stop_fd:
  // stop() makes stop_fd readable, which abandons a request or watch in flight at once.
  // stop_fd is an eventfd(2) the caller owns.
  // Logs (fleet.k8s.* events) go to log, which must outlive the source.
  K8sSource(k8s::HttpTransport& transport, FleetState& state, log::Logger& log,
            K8sSourceOptions options, int stop_fd);
  K8sSource(const K8sSource&) = delete;
  K8sSource& operator=(const K8sSource&) = delete;
  ~K8sSource();

  void start();
  void stop();
  const K8sSourceCounters& counters() const { return m_counters; }

 private:
  enum class Outcome { relist, rewatch, backoff, stopped };
  // One list page, or the outcome that ends the list; limit is the page size that worked.
  struct PageFetch {
    std::optional<k8s::ConfigMapList> page;
    Outcome outcome = Outcome::backoff;
    std::size_t limit = 0;
  };
  struct WatchProgress;
  void run();
  void run_ticker();
  // Configuration: the request targets.
  std::string list_target(const std::string& continue_token, std::size_t limit) const;
  std::string watch_target(const std::string& resource_version) const;
  Result<k8s::HttpRequest> request(std::string target) const;
  // I/O: one page (runs beside the processing of the previous one).
  PageFetch fetch_page(const std::string& continue_token, std::size_t limit);
  // Policy. list: every page; on success the model holds exactly the listed ConfigMaps.
  Outcome list(std::string& resource_version);
  void add_page(const k8s::ConfigMapList& page, std::vector<DocumentUpdate>& updates,
                std::set<std::pair<std::string, Probe>>& listed_slots);
  Outcome watch(std::string& resource_version);
  bool on_watch_chunk(std::string_view chunk, WatchProgress& progress,
                      std::string& resource_version);
  std::optional<Outcome> on_watch_event(const k8s::WatchEvent& event, std::string& resource_version,
                                        std::vector<DocumentUpdate>& updates);
  Outcome watch_outcome(const Result<int>& result, const WatchProgress& progress);
  void apply_object(const k8s::ConfigMapObject& object, bool deleted,
                    std::vector<DocumentUpdate>& out);
  void apply_enforcement_report(const k8s::ConfigMapObject& object, bool deleted);
  // Watch updates to the model, batched by publish_interval; flush publishes what waits.
  void publish_watch_updates(std::vector<DocumentUpdate> updates);
  void flush_watch_updates(bool only_when_due);
  void publish_pending_locked();                            // m_pending_mutex held
  bool wait_stop(std::chrono::milliseconds timeout) const;  // true: stop requested
  std::chrono::milliseconds next_backoff();

  k8s::HttpTransport& m_transport;
  FleetState& m_state;
  log::Logger& m_log;
  K8sSourceOptions m_options;
  int m_stop_fd;
  std::atomic<bool> m_stopping{false};
  std::mt19937_64 m_rng;
  std::chrono::milliseconds m_backoff{0};
  // ConfigMap name -> the node it was last seen for (a relabel or delete removes that node).
  std::map<std::string, std::string> m_nodes_by_configmap;
  bool m_enforcement_listed = false;  // the report ConfigMap was in the current list
  std::mutex m_pending_mutex;         // the watch thread and the ticker
  std::vector<DocumentUpdate> m_pending;
  std::chrono::steady_clock::time_point m_last_publish;
  std::chrono::milliseconds m_spacing{0};  // between publications: see publish_interval
  K8sSourceCounters m_counters;
  std::thread m_thread;
  std::thread m_ticker;
};

}  // namespace ztp::fleet
