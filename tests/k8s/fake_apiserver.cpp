#include "k8s/fake_apiserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

namespace ztp::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct FakeApiServer::Tls {
  ssl::context ctx{ssl::context::tls_server};
};

namespace {

nlohmann::json status_json(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

nlohmann::json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) {
        j[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      }
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& item : n) {
        j.push_back(yaml_to_json(item));
      }
      return j;
    }
    case YAML::NodeType::Scalar:
      return n.as<std::string>();
    default:
      return nullptr;
  }
}

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < q.size()) {
    std::size_t amp = q.find('&', pos);
    if (amp == std::string::npos) {
      amp = q.size();
    }
    const std::string kv = q.substr(pos, amp - pos);
    const std::size_t eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    pos = amp + 1;
  }
  return out;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// Equality-based selectors only: "k=v,k2=v2"
// (k8s.io/docs/concepts/overview/working-with-objects/labels/).
bool selector_matches(const std::string& selector,
                      const std::map<std::string, std::string>& labels) {
  std::size_t pos = 0;
  while (pos < selector.size()) {
    std::size_t comma = selector.find(',', pos);
    if (comma == std::string::npos) {
      comma = selector.size();
    }
    const std::string term = selector.substr(pos, comma - pos);
    const std::size_t eq = term.find('=');
    const std::string key = term.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : term.substr(eq + 1);
    const auto it = labels.find(key);
    if (it == labels.end() || (eq != std::string::npos && it->second != value)) {
      return false;
    }
    pos = comma + 1;
  }
  return true;
}

std::uint64_t to_u64(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoull(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

}  // namespace

FakeApiServer::FakeApiServer(const TestPki& pki) : m_tls(std::make_unique<Tls>()) {
  m_tls->ctx.use_certificate_chain(net::buffer(pki.server_cert));
  m_tls->ctx.use_private_key(net::buffer(pki.server_key), ssl::context::pem);
  m_tls->ctx.add_certificate_authority(net::buffer(pki.ca_cert));
  // Ask for a client certificate, accept connections without one (token auth).
  m_tls->ctx.set_verify_mode(ssl::verify_peer);
}

FakeApiServer::~FakeApiServer() { stop(); }

void FakeApiServer::start() {
  if (m_running) {
    return;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(m_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("fake apiserver: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
  m_listen_fd = fd;
  m_running = true;
  m_acceptor = std::thread([this, fd] { accept_loop(fd); });
}

void FakeApiServer::stop() {
  if (!m_running) {
    return;
  }
  m_running = false;
  ::shutdown(m_listen_fd, SHUT_RDWR);
  m_acceptor.join();
  ::close(m_listen_fd);
  m_listen_fd = -1;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    for (const int fd : m_open_fds) {
      ::shutdown(fd, SHUT_RDWR);
    }
    threads.swap(m_connections);
  }
  for (auto& t : threads) {
    t.join();
  }
}

void FakeApiServer::accept_loop(int listen_fd) {
  while (m_running) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (!m_running) {
        return;
      }
      continue;
    }
    std::lock_guard lock(m_mutex);
    m_open_fds.insert(fd);
    m_connections.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeApiServer::serve(int fd) {
  net::io_context ioc;
  boost::system::error_code ec;
  tcp::socket socket(ioc);
  socket.assign(tcp::v4(), fd, ec);
  beast::ssl_stream<tcp::socket> stream(std::move(socket), m_tls->ctx);
  stream.handshake(ssl::stream_base::server, ec);
  const bool client_cert_ok = !ec && SSL_get0_peer_certificate(stream.native_handle()) != nullptr &&
                              SSL_get_verify_result(stream.native_handle()) == X509_V_OK;
  beast::flat_buffer buffer;
  while (!ec) {
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) {
      break;
    }
    RecordedRequest rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req) {
      rec.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    }
    rec.body = req.body();

    std::optional<Fault> fault;
    const bool cm_path = rec.target.find("/configmaps") != std::string::npos;
    {
      std::lock_guard lock(m_mutex);
      if (cm_path && !m_faults.empty()) {
        fault = m_faults.front();
        m_faults.pop_front();
      }
    }
    if (fault && fault->kind == Fault::Kind::delay) {
      std::this_thread::sleep_for(fault->delay);
    }
    if (fault && fault->kind == Fault::Kind::drop) {
      std::lock_guard lock(m_mutex);
      m_requests.push_back(rec);
      break;  // close without answering
    }
    {
      const std::size_t qpos = rec.target.find('?');
      const std::string path = rec.target.substr(0, qpos);
      const auto query = parse_query(qpos == std::string::npos ? "" : rec.target.substr(qpos + 1));
      const auto parts = split_path(path);
      const auto w = query.find("watch");
      if ((!fault || fault->kind == Fault::Kind::delay) && rec.method == "GET" &&
          parts.size() == 5 && parts[0] == "api" && parts[4] == "configmaps" && w != query.end() &&
          (w->second == "true" || w->second == "1")) {
        // Authenticate and authorize like any request; a watch then owns the connection.
        Response denied = handle(rec, client_cert_ok);
        if (denied.status == 401 || denied.status == 403) {
          rec.status = denied.status;
          std::lock_guard lock(m_mutex);
          m_requests.push_back(rec);
        } else {
          rec.status = 200;
          {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(rec);
          }
          watch(stream, parts[3], query);
          break;
        }
      }
    }
    Response res;
    if (fault && fault->kind == Fault::Kind::status) {
      const std::string reason = !fault->reason.empty() ? fault->reason
                                 : fault->status == 429 ? "TooManyRequests"
                                 : fault->status == 409 ? "Conflict"
                                                        : "InternalError";
      res.status = fault->status;
      res.body = status_json(fault->status, reason,
                             fault->message.empty() ? "injected fault" : fault->message)
                     .dump();
      if (fault->retry_after_s) {
        res.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after_s));
      }
    } else {
      res = handle(rec, client_cert_ok);
    }
    rec.status = res.status;
    {
      std::lock_guard lock(m_mutex);
      m_requests.push_back(rec);
    }
    http::response<http::string_body> out{static_cast<http::status>(res.status), req.version()};
    out.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : res.headers) {
      out.set(k, v);
    }
    out.body() = res.body;
    out.keep_alive(req.keep_alive());
    out.prepare_payload();
    http::write(stream, out, ec);
    if (!req.keep_alive()) {
      break;
    }
  }
  boost::system::error_code ignored;
  stream.shutdown(ignored);
  {
    std::lock_guard lock(m_mutex);
    m_open_fds.erase(fd);
  }
  // The socket object closes fd.
}

FakeApiServer::Response FakeApiServer::handle(RecordedRequest& req, bool client_cert_ok) {
  const std::size_t qpos = req.target.find('?');
  const std::string path = req.target.substr(0, qpos);
  const auto query = parse_query(qpos == std::string::npos ? "" : req.target.substr(qpos + 1));
  {
    std::lock_guard lock(m_mutex);
    const auto auth = req.headers.find("authorization");
    const bool token_ok = auth != req.headers.end() && auth->second.rfind("Bearer ", 0) == 0 &&
                          m_tokens.count(auth->second.substr(7)) > 0;
    if (!token_ok && !client_cert_ok) {
      return {401, status_json(401, "Unauthorized", "Unauthorized").dump(), {}};
    }
  }
  if (req.method == "GET" && path == "/version") {
    return {200,
            R"({"major":"1","minor":"32","gitVersion":"v1.32.0-fake","platform":"linux/amd64"})",
            {}};
  }
  if (req.method == "GET" && path == "/api") {
    return {200,
            nlohmann::json{{"kind", "APIVersions"},
                           {"versions", {"v1"}},
                           {"serverAddressByClientCIDRs",
                            {{{"clientCIDR", "0.0.0.0/0"},
                              {"serverAddress", "127.0.0.1:" + std::to_string(m_port)}}}}}
                .dump(),
            {}};
  }
  if (req.method == "GET" && path == "/apis") {
    return {200, R"({"kind":"APIGroupList","apiVersion":"v1","groups":[]})", {}};
  }
  if (req.method == "GET" && path == "/api/v1") {
    nlohmann::json cm = {{"name", "configmaps"},
                         {"singularName", "configmap"},
                         {"namespaced", true},
                         {"kind", "ConfigMap"},
                         {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}},
                         {"shortNames", {"cm"}}};
    return {200,
            nlohmann::json{{"kind", "APIResourceList"}, {"groupVersion", "v1"}, {"resources", {cm}}}
                .dump(),
            {}};
  }
  const auto parts = split_path(path);
  // /api/v1/namespaces/<ns>/configmaps: list (or the authorization check of a watch).
  if (parts.size() == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" &&
      parts[4] == "configmaps" && req.method == "GET") {
    std::lock_guard lock(m_mutex);
    const auto w = query.find("watch");
    const bool watching = w != query.end() && (w->second == "true" || w->second == "1");
    if (m_forbidden.count(watching ? "watch" : "list") > 0) {
      return {403,
              status_json(403, "Forbidden",
                          std::string("cannot ") + (watching ? "watch" : "list") + " configmaps")
                  .dump(),
              {}};
    }
    if (watching) {
      return {200, "", {}};
    }
    return list(parts[3], query);
  }
  // /api/v1/namespaces/<ns>/configmaps/<name>
  if (parts.size() == 6 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" &&
      parts[4] == "configmaps") {
    const std::string& ns = parts[3];
    const std::string& name = parts[5];
    std::lock_guard lock(m_mutex);
    if (req.method == "GET") {
      if (m_forbidden.count("get") > 0) {
        return {403, status_json(403, "Forbidden", "cannot get configmaps").dump(), {}};
      }
      const auto it = m_objects.find({ns, name});
      if (it == m_objects.end()) {
        return {404, status_json(404, "NotFound", "configmaps not found").dump(), {}};
      }
      return {200, object_json(ns, name, it->second).dump(), {}};
    }
    if (req.method == "PATCH") {
      return apply(ns, name, req, query);
    }
    return {405, status_json(405, "MethodNotAllowed", "not implemented by the fake").dump(), {}};
  }
  return {404,
          status_json(404, "NotFound", "the server could not find the requested resource").dump(),
          {}};
}

// Called with m_mutex held.
FakeApiServer::Response FakeApiServer::apply(const std::string& ns, const std::string& name,
                                             const RecordedRequest& req,
                                             const std::map<std::string, std::string>& query) {
  const auto ct = req.headers.find("content-type");
  if (ct == req.headers.end() || ct->second != "application/apply-patch+yaml") {
    return {415, status_json(415, "UnsupportedMediaType", "fake supports apply only").dump(), {}};
  }
  const auto fm = query.find("fieldManager");
  if (fm == query.end() || fm->second.empty()) {
    return {400, status_json(400, "BadRequest", "fieldManager is required for apply").dump(), {}};
  }
  const std::string& manager = fm->second;
  const bool force = query.count("force") > 0 && query.at("force") == "true";
  nlohmann::json obj;
  try {
    obj = yaml_to_json(YAML::Load(req.body));
  } catch (const YAML::Exception& e) {
    return {400, status_json(400, "BadRequest", e.what()).dump(), {}};
  }
  if (!obj.is_object() || obj.value("apiVersion", "") != "v1" ||
      obj.value("kind", "") != "ConfigMap" || !obj.contains("metadata") ||
      obj["metadata"].value("name", "") != name || obj["metadata"].value("namespace", ns) != ns) {
    return {400, status_json(400, "BadRequest", "body does not match the URL").dump(), {}};
  }
  const bool exists = m_objects.count({ns, name}) > 0;
  const std::string verb = exists ? "patch" : "create";
  if (m_forbidden.count(verb) > 0 || m_forbidden.count("patch") > 0) {
    return {403, status_json(403, "Forbidden", "cannot " + verb + " configmaps").dump(), {}};
  }
  StoredConfigMap cm = exists ? m_objects.at({ns, name}) : StoredConfigMap{};
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> data;
  if (obj["metadata"].contains("labels")) {
    labels = obj["metadata"]["labels"].get<std::map<std::string, std::string>>();
  }
  if (obj.contains("data")) {
    data = obj["data"].get<std::map<std::string, std::string>>();
  }
  // Conflicts: a field another manager owns with a different value (SSA "Conflicts").
  std::vector<std::string> conflicts;
  auto check = [&](const auto& applied, const auto& current, const auto& owners,
                   const std::string& prefix) {
    for (const auto& [k, v] : applied) {
      const auto cur = current.find(k);
      const auto own = owners.find(k);
      if (cur == current.end() || cur->second == v || own == owners.end()) {
        continue;
      }
      for (const auto& o : own->second) {
        if (o != manager) {
          conflicts.push_back("conflict with \"" + o + "\": " + prefix + k);
        }
      }
    }
  };
  check(labels, cm.labels, cm.label_owners, ".metadata.labels.");
  check(data, cm.data, cm.data_owners, ".data.");
  if (!conflicts.empty() && !force) {
    std::string msg = "Apply failed with " + std::to_string(conflicts.size()) + " conflict(s):";
    for (const auto& c : conflicts) {
      msg += " " + c;
    }
    return {409, status_json(409, "Conflict", msg).dump(), {}};
  }
  bool changed = !exists;
  auto merge = [&](const std::map<std::string, std::string>& applied,
                   std::map<std::string, std::string>& current,
                   std::map<std::string, std::set<std::string>>& owners) {
    // Fields this manager applied before but not now: released, removed if unowned.
    for (auto it = owners.begin(); it != owners.end();) {
      if (it->second.count(manager) > 0 && applied.count(it->first) == 0) {
        it->second.erase(manager);
        changed = true;
        if (it->second.empty()) {
          current.erase(it->first);
          it = owners.erase(it);
          continue;
        }
      }
      ++it;
    }
    for (const auto& [k, v] : applied) {
      auto& own = owners[k];
      if (current.count(k) == 0 || current[k] != v) {
        current[k] = v;
        own = {manager};  // forced or unowned: the applier becomes sole owner
        changed = true;
      } else if (own.insert(manager).second) {
        changed = true;  // shared ownership of an equal value
      }
    }
  };
  merge(labels, cm.labels, cm.label_owners);
  merge(data, cm.data, cm.data_owners);
  if (changed) {
    cm.resource_version = ++m_next_rv;
  }
  m_objects[{ns, name}] = cm;
  if (changed) {
    record_event(exists ? "MODIFIED" : "ADDED", ns, name, cm);
  }
  return {exists ? 200 : 201, object_json(ns, name, cm).dump(), {}};
}

nlohmann::json FakeApiServer::object_json(const std::string& ns, const std::string& name,
                                          const StoredConfigMap& cm) const {
  std::map<std::string, nlohmann::json> fields;  // manager -> fieldsV1
  for (const auto& [k, owners] : cm.data_owners) {
    for (const auto& o : owners) {
      fields[o]["f:data"]["f:" + k] = nlohmann::json::object();
    }
  }
  for (const auto& [k, owners] : cm.label_owners) {
    for (const auto& o : owners) {
      fields[o]["f:metadata"]["f:labels"]["f:" + k] = nlohmann::json::object();
    }
  }
  nlohmann::json managed = nlohmann::json::array();
  for (const auto& [m, f] : fields) {
    managed.push_back({{"manager", m},
                       {"operation", "Apply"},
                       {"apiVersion", "v1"},
                       {"fieldsType", "FieldsV1"},
                       {"fieldsV1", f}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"resourceVersion", std::to_string(cm.resource_version)},
            {"labels", cm.labels},
            {"managedFields", managed}}},
          {"data", cm.data}};
}

void FakeApiServer::set_tokens(std::set<std::string> tokens) {
  std::lock_guard lock(m_mutex);
  m_tokens = std::move(tokens);
}

void FakeApiServer::forbid(std::set<std::string> verbs) {
  std::lock_guard lock(m_mutex);
  m_forbidden = std::move(verbs);
}

void FakeApiServer::inject(Fault fault) {
  std::lock_guard lock(m_mutex);
  m_faults.push_back(fault);
}

std::optional<StoredConfigMap> FakeApiServer::configmap(const std::string& ns,
                                                        const std::string& name) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_objects.find({ns, name});
  if (it == m_objects.end()) {
    return std::nullopt;
  }
  return it->second;
}

void FakeApiServer::update_data(const std::string& ns, const std::string& name,
                                const std::string& key, const std::string& value,
                                const std::string& manager) {
  std::lock_guard lock(m_mutex);
  const bool exists = m_objects.count({ns, name}) > 0;
  auto& cm = m_objects[{ns, name}];
  cm.data[key] = value;
  cm.data_owners[key] = {manager};
  cm.resource_version = ++m_next_rv;
  record_event(exists ? "MODIFIED" : "ADDED", ns, name, cm);
}

void FakeApiServer::put_configmap(const std::string& ns, const std::string& name,
                                  std::map<std::string, std::string> labels,
                                  std::map<std::string, std::string> data) {
  std::lock_guard lock(m_mutex);
  const bool exists = m_objects.count({ns, name}) > 0;
  auto& cm = m_objects[{ns, name}];
  cm.labels = std::move(labels);
  cm.data = std::move(data);
  cm.resource_version = ++m_next_rv;
  record_event(exists ? "MODIFIED" : "ADDED", ns, name, cm);
}

void FakeApiServer::delete_configmap(const std::string& ns, const std::string& name) {
  std::lock_guard lock(m_mutex);
  const auto it = m_objects.find({ns, name});
  if (it == m_objects.end()) {
    return;
  }
  StoredConfigMap cm = it->second;
  m_objects.erase(it);
  // A DELETED event carries the object's last state at the deletion's resourceVersion.
  cm.resource_version = ++m_next_rv;
  record_event("DELETED", ns, name, cm);
}

void FakeApiServer::send_bookmark() {
  std::lock_guard lock(m_mutex);
  ++m_bookmarks;
  m_events_cv.notify_all();
}

void FakeApiServer::compact() {
  std::lock_guard lock(m_mutex);
  m_compacted_rv = m_next_rv;
  m_events.clear();
  ++m_compactions;
  m_events_cv.notify_all();
}

std::size_t FakeApiServer::open_watches() const {
  std::lock_guard lock(m_mutex);
  return m_open_watches;
}

std::uint64_t FakeApiServer::resource_version() const {
  std::lock_guard lock(m_mutex);
  return m_next_rv;
}

// Called with m_mutex held.
void FakeApiServer::record_event(const std::string& type, const std::string& ns,
                                 const std::string& name, const StoredConfigMap& cm) {
  m_events.push_back(Event{cm.resource_version, ns, type, cm.labels, object_json(ns, name, cm)});
  m_events_cv.notify_all();
}

// Called with m_mutex held. Pages are in name order; the continue token carries the
// list's resourceVersion and the last name returned (the real one is opaque too).
FakeApiServer::Response FakeApiServer::list(const std::string& ns,
                                            const std::map<std::string, std::string>& query) {
  const auto get = [&](const char* key) {
    const auto it = query.find(key);
    return it == query.end() ? std::string() : percent_decode(it->second);
  };
  const std::string selector = get("labelSelector");
  const std::uint64_t limit = to_u64(get("limit"));
  const std::string token = get("continue");
  std::uint64_t list_rv = m_next_rv;
  std::string after;
  if (!token.empty()) {
    const std::size_t colon = token.find(':');
    list_rv = to_u64(token.substr(0, colon));
    after = colon == std::string::npos ? "" : token.substr(colon + 1);
    if (list_rv <= m_compacted_rv) {
      // API concepts, "Retrieving large results sets in chunks": an expired continue
      // token is answered 410 ResourceExpired.
      return {410,
              status_json(410, "Expired", "The provided continue parameter is too old").dump(),
              {}};
    }
  }
  nlohmann::json items = nlohmann::json::array();
  std::string last;
  bool more = false;
  for (auto it = m_objects.lower_bound({ns, after}); it != m_objects.end() && it->first.first == ns;
       ++it) {
    if (!after.empty() && it->first.second <= after) {
      continue;
    }
    if (!selector_matches(selector, it->second.labels)) {
      continue;
    }
    if (limit > 0 && items.size() == limit) {
      more = true;
      break;
    }
    items.push_back(object_json(ns, it->first.second, it->second));
    last = it->first.second;
  }
  nlohmann::json meta = {{"resourceVersion", std::to_string(list_rv)}};
  if (more) {
    meta["continue"] = std::to_string(list_rv) + ":" + last;
  }
  return {200,
          nlohmann::json{
              {"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", meta}, {"items", items}}
              .dump(),
          {}};
}

// Streams events after ?resourceVersion as chunked newline-delimited JSON until
// timeoutSeconds, compaction (ERROR 410) or server stop.
template <typename Stream>
void FakeApiServer::watch(Stream& stream, const std::string& ns,
                          const std::map<std::string, std::string>& query) {
  const auto get = [&](const char* key) {
    const auto it = query.find(key);
    return it == query.end() ? std::string() : percent_decode(it->second);
  };
  const std::string selector = get("labelSelector");
  const bool bookmarks = get("allowWatchBookmarks") == "true";
  const std::uint64_t from = to_u64(get("resourceVersion"));
  const std::uint64_t timeout_s = to_u64(get("timeoutSeconds"));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s > 0 ? timeout_s : 1800);
  boost::system::error_code ec;
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "application/json");
  head.chunked(true);
  http::response_serializer<http::empty_body> sr{head};
  http::write_header(stream, sr, ec);
  const auto send = [&](const nlohmann::json& event) {
    const std::string line = event.dump() + "\n";
    net::write(stream, http::make_chunk(net::buffer(line)), ec);
    return !ec;
  };
  const auto gone = nlohmann::json{
      {"type", "ERROR"}, {"object", status_json(410, "Expired", "too old resource version")}};

  std::unique_lock lock(m_mutex);
  ++m_open_watches;
  std::uint64_t seen_rv = from;
  std::uint64_t seen_bookmarks = m_bookmarks;
  const std::uint64_t seen_compactions = m_compactions;
  bool expired = from > 0 && from < m_compacted_rv;
  while (!ec && m_running) {
    if (expired || m_compactions != seen_compactions) {
      lock.unlock();
      send(gone);
      lock.lock();
      break;
    }
    std::vector<nlohmann::json> out;
    for (const auto& e : m_events) {
      if (e.resource_version > seen_rv && e.ns == ns && selector_matches(selector, e.labels)) {
        out.push_back({{"type", e.type}, {"object", e.object}});
      }
      seen_rv = std::max(seen_rv, e.resource_version);
    }
    if (bookmarks && m_bookmarks != seen_bookmarks) {
      seen_bookmarks = m_bookmarks;
      out.push_back({{"type", "BOOKMARK"},
                     {"object",
                      {{"kind", "ConfigMap"},
                       {"apiVersion", "v1"},
                       {"metadata", {{"resourceVersion", std::to_string(m_next_rv)}}}}}});
    }
    if (!out.empty()) {
      lock.unlock();
      for (const auto& event : out) {
        if (!send(event)) {
          break;
        }
      }
      lock.lock();
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      net::write(stream, http::make_chunk_last(), ec);
      lock.lock();
      break;
    }
    m_events_cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  --m_open_watches;
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::size_t FakeApiServer::configmap_requests() const {
  std::lock_guard lock(m_mutex);
  std::size_t n = 0;
  for (const auto& r : m_requests) {
    n += r.target.find("/configmaps") != std::string::npos ? 1u : 0u;
  }
  return n;
}

void FakeApiServer::clear_requests() {
  std::lock_guard lock(m_mutex);
  m_requests.clear();
}

std::string kubeconfig_for(const FakeApiServer& server, const std::string& ns,
                           const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
         "clusters: [{name: fake, cluster: {server: \"" +
         server.url() + "\", certificate-authority: ca.pem}}]\n" +
         "contexts: [{name: test, context: {cluster: fake, user: " + user + ", namespace: " + ns +
         "}}]\n" + "users: [{name: " + user + ", user: {tokenFile: token}}]\n";
}

}  // namespace ztp::testing
