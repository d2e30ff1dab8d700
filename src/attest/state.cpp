#include "attest/state.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "attest/protocol.h"
#include "audit/crypto.h"
#include "common/k8s_names.h"
#include "common/posix_file.h"

namespace ztp::attest {
namespace {

using nlohmann::json;

constexpr std::size_t k_max_state_file = 256 * 1024;

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

Result<void> make_private_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(error_kind_of_errno(errno),
                "cannot create state directory '" + dir.string() + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return bad("state path '" + dir.string() + "' is not a directory");
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return fail(error_kind_of_errno(errno), "cannot chmod '" + dir.string() + "'");
  }
  return {};
}

// not_found -> nullopt; anything else unreadable or not JSON -> error naming the file.
Result<std::optional<json>> read_json(const std::filesystem::path& path) {
  auto text = read_local_file(path.string(), k_max_state_file);
  if (!text) {
    if (text.error().kind == ErrorKind::not_found) {
      return std::optional<json>();
    }
    return tl::unexpected(text.error());
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorKind::io_error, "state file '" + path.string() + "' is not a JSON object");
  }
  return std::optional<json>(std::move(j));
}

Result<void> write_json(const std::filesystem::path& dir, const std::string& name, const json& j) {
  // No stale-temp cleanup here: `policy approve` and the server write side by side, and a
  // cleanup would remove the other's temp file mid-write.
  return write_file_atomic(dir, name, j.dump() + "\n", 0600);
}

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_digest_text(std::string_view text) {
  constexpr std::string_view prefix = "sha256:";
  if (text.size() != prefix.size() + 64 || text.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (const char c : text.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

Result<DirState> DirState::open(std::string_view spec) {
  constexpr std::string_view prefix = "dir:";
  if (spec.size() <= prefix.size() || spec.substr(0, prefix.size()) != prefix) {
    return bad("--state '" + std::string(spec) +
               "' is not dir:PATH (k8s state is not built yet; docs/attest.md)");
  }
  const std::filesystem::path root(spec.substr(prefix.size()));
  for (const auto& dir : {root, root / "nodes", root / "policy", root / "secrets"}) {
    if (auto ok = make_private_dir(dir); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return DirState(root);
}

Result<std::optional<NodeRecord>> DirState::node(std::string_view name) const {
  if (!is_node_name(name)) {
    return bad("'" + std::string(name) + "' is not a node name");
  }
  auto j = read_json(m_root / "nodes" / (std::string(name) + ".json"));
  if (!j || !*j) {
    return j ? Result<std::optional<NodeRecord>>(std::nullopt) : tl::unexpected(j.error());
  }
  const json& o = **j;
  NodeRecord r{str(o, "node"),     str(o, "group"),        {},
               str(o, "ekSha256"), str(o, "registeredAt"), std::nullopt};
  const auto ak = audit::from_base64(str(o, "akPublic"));
  if (r.node != name || r.group.empty() || !ak) {
    return fail(ErrorKind::io_error, "state file for node '" + std::string(name) + "' is damaged");
  }
  r.ak_public = *ak;
  if (const auto p = str(o, "presented"); is_digest_text(p)) {
    r.presented = p;
  }
  return std::optional<NodeRecord>(std::move(r));
}

Result<void> DirState::put_node(const NodeRecord& r) const {
  json j = {{"node", r.node},
            {"group", r.group},
            {"akPublic", audit::to_base64(r.ak_public)},
            {"ekSha256", r.ek_sha256},
            {"registeredAt", r.registered_at}};
  if (r.presented) {
    j["presented"] = *r.presented;
  }
  return write_json(m_root / "nodes", r.node + ".json", j);
}

Result<GroupPolicy> DirState::policy(std::string_view group) const {
  if (!is_group_name(group)) {
    return bad("'" + std::string(group) + "' is not a group name (a DNS subdomain)");
  }
  auto j = read_json(m_root / "policy" / (std::string(group) + ".json"));
  if (!j) {
    return tl::unexpected(j.error());
  }
  GroupPolicy p{std::string(group), {}};
  if (!*j) {
    return p;
  }
  const auto it = (*j)->find("approved");
  if (it != (*j)->end() && it->is_array()) {
    for (const auto& d : *it) {
      if (d.is_string() && is_digest_text(d.get<std::string>())) {
        p.approved.push_back(d.get<std::string>());
      }
    }
  }
  return p;
}

Result<void> DirState::put_policy(const GroupPolicy& p) const {
  return write_json(m_root / "policy", p.group + ".json",
                    json{{"group", p.group}, {"approved", p.approved}});
}

Result<std::optional<StoredSecret>> DirState::secret(std::string_view name) const {
  if (!is_group_name(name)) {
    return bad("'" + std::string(name) + "' is not a secret name (a DNS subdomain)");
  }
  auto j = read_json(m_root / "secrets" / (std::string(name) + ".json"));
  if (!j || !*j) {
    return j ? Result<std::optional<StoredSecret>>(std::nullopt) : tl::unexpected(j.error());
  }
  const auto value = audit::from_base64(str(**j, "value"));
  StoredSecret s{str(**j, "name"), str(**j, "group"), value.value_or("")};
  if (s.name != name || s.group.empty() || !value) {
    return fail(ErrorKind::io_error,
                "state file for secret '" + std::string(name) + "' is damaged");
  }
  return std::optional<StoredSecret>(std::move(s));
}

Result<void> DirState::put_secret(const StoredSecret& s) const {
  return write_json(
      m_root / "secrets", s.name + ".json",
      json{{"name", s.name}, {"group", s.group}, {"value", audit::to_base64(s.value)}});
}

}  // namespace ztp::attest
