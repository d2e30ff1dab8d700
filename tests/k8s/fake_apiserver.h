#pragma once
// An in-process Kubernetes API server fake over real TLS, implementing exactly
// what the agent (and kubectl, for the reference test) call: discovery, GET and
// server-side-apply PATCH of ConfigMaps with per-field-manager ownership of data
// keys and labels, resourceVersion, and injectable faults; and what the fleet
// service calls: list by label selector with limit/continue, and watch (chunked
// newline-delimited events from a resourceVersion, bookmarks, 410 Gone once the
// history is compacted).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "testlib/test_pki.h"

namespace ztp::testing {

struct StoredConfigMap {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> data;
  std::map<std::string, std::set<std::string>> label_owners;  // label -> managers
  std::map<std::string, std::set<std::string>> data_owners;   // key -> managers
  std::uint64_t resource_version = 0;
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int status = 0;  // what the fake answered (0: dropped)
};

// One injected fault, consumed by the next ConfigMap request.
struct Fault {
  enum class Kind { status, drop, delay };
  Kind kind = Kind::status;
  int status = 500;
  std::optional<int> retry_after_s;
  std::chrono::milliseconds delay{0};  // Kind::delay: answer normally after this
  // Kind::status: the Status object's reason and message (empty: a default for the code).
  std::string reason;
  std::string message;
  static Fault http(int status, std::optional<int> retry_after = std::nullopt) {
    return Fault{Kind::status, status, retry_after, {}, {}, {}};
  }
  // A refusal as the real server words it, e.g. 422 "Invalid" with an admission policy's
  // message (docs/testing.md lists where the fake and the real server differ).
  static Fault refused(int status, std::string reason, std::string message) {
    return Fault{Kind::status, status, std::nullopt, {}, std::move(reason), std::move(message)};
  }
  static Fault dropped() { return Fault{Kind::drop, 0, std::nullopt, {}, {}, {}}; }
  static Fault slow(std::chrono::milliseconds d) {
    return Fault{Kind::delay, 0, std::nullopt, d, {}, {}};
  }
};

class FakeApiServer {
 public:
  explicit FakeApiServer(const TestPki& pki);
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  // Listens on 127.0.0.1 (port 0 first, the same port after a restart).
  void start();
  // Closes the listener and every open connection; state survives.
  void stop();
  unsigned short port() const { return m_port; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }

  // Authentication: a bearer token from this set, or a client certificate from the CA.
  void set_tokens(std::set<std::string> tokens);
  // Authorization: verbs ("get", "create", "patch") answered 403.
  void forbid(std::set<std::string> verbs);
  void inject(Fault fault);

  std::optional<StoredConfigMap> configmap(const std::string& ns, const std::string& name) const;
  // A non-apply write by another manager (kubectl edit): takes sole ownership of key.
  void update_data(const std::string& ns, const std::string& name, const std::string& key,
                   const std::string& value, const std::string& manager);
  // Writes by "the cluster" (no field manager bookkeeping); each one is a watch event.
  void put_configmap(const std::string& ns, const std::string& name,
                     std::map<std::string, std::string> labels,
                     std::map<std::string, std::string> data);
  void delete_configmap(const std::string& ns, const std::string& name);
  // Sends a BOOKMARK at the current resourceVersion to every watch that asked for them.
  void send_bookmark();
  // Etcd compaction: every resourceVersion up to now becomes too old. Open watches get an
  // ERROR event with a 410 Status and end; list continue tokens from before expire (410).
  void compact();
  std::size_t open_watches() const;
  std::uint64_t resource_version() const;
  std::vector<RecordedRequest> requests() const;
  std::size_t configmap_requests() const;  // requests to configmap paths, incl. dropped
  void clear_requests();

 private:
  struct Response {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  void accept_loop(int listen_fd);
  void serve(int fd);
  Response handle(RecordedRequest& req, bool client_cert_ok);
  Response apply(const std::string& ns, const std::string& name, const RecordedRequest& req,
                 const std::map<std::string, std::string>& query);
  nlohmann::json object_json(const std::string& ns, const std::string& name,
                             const StoredConfigMap& cm) const;
  Response list(const std::string& ns, const std::map<std::string, std::string>& query);
  template <typename Stream>
  void watch(Stream& stream, const std::string& ns,
             const std::map<std::string, std::string>& query);
  void record_event(const std::string& type, const std::string& ns, const std::string& name,
                    const StoredConfigMap& cm);

  struct Event {
    std::uint64_t resource_version = 0;
    std::string ns;
    std::string type;
    std::map<std::string, std::string> labels;
    nlohmann::json object;
  };

  struct Tls;
  std::unique_ptr<Tls> m_tls;
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, StoredConfigMap> m_objects;
  std::set<std::string> m_tokens;
  std::set<std::string> m_forbidden;
  std::deque<Fault> m_faults;
  std::vector<RecordedRequest> m_requests;
  std::uint64_t m_next_rv = 1000;
  std::vector<Event> m_events;
  std::uint64_t m_compacted_rv = 0;  // watches and continues from at or below: 410
  std::uint64_t m_bookmarks = 0;     // generation counters the watch loops follow
  std::uint64_t m_compactions = 0;
  std::size_t m_open_watches = 0;
  mutable std::condition_variable m_events_cv;
  unsigned short m_port = 0;
  int m_listen_fd = -1;
  std::thread m_acceptor;
  std::vector<std::thread> m_connections;
  std::set<int> m_open_fds;
  std::atomic<bool> m_running{false};
};

// A kubeconfig for server: its CA and a token file, both relative to the kubeconfig's
// directory ("ca.pem", "token"), context namespace ns.
std::string kubeconfig_for(const FakeApiServer& server, const std::string& ns,
                           const std::string& user);

}  // namespace ztp::testing
