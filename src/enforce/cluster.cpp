#include "enforce/cluster.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "k8s/configmap_client.h"
#include "k8s/watch.h"

namespace ztp::enforce {
namespace {

using json = nlohmann::ordered_json;

// client-go's pager default (tools/pager: defaultPageSize).
constexpr std::size_t k_page = 500;
constexpr const char* k_bindings_path =
    "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/";

Result<void> expect_status(const Result<k8s::HttpResponse>& r, std::string_view what,
                           std::initializer_list<int> ok = {200, 201}) {
  if (!r) {
    return fail(r.error().kind, std::string(what) + ": " + r.error().message);
  }
  if (std::find(ok.begin(), ok.end(), r->status) == ok.end()) {
    return fail(r->status == 403 ? ErrorKind::permission_denied : ErrorKind::io_error,
                std::string(what) + ": " + k8s::describe(*r));
  }
  return {};
}

std::string configmap_path(const std::string& ns, std::string_view name = {}) {
  std::string p = "/api/v1/namespaces/" + k8s::query_escape(ns) + "/configmaps";
  if (!name.empty()) {
    p += "/" + k8s::query_escape(name);
  }
  return p;
}

std::string selector(std::string_view key, std::string_view value) {
  return "labelSelector=" + k8s::query_escape(std::string(key) + "=" + std::string(value));
}

std::string join(const std::vector<std::string>& words) {
  std::string out = "[";
  for (std::size_t i = 0; i < words.size(); ++i) {
    out += (i ? ", " : "") + words[i];
  }
  return out + "]";
}

BindingState binding_of(std::string_view name, const json& j) {
  BindingState b;
  b.name = std::string(name);
  b.present = true;
  const auto& spec = j.value("spec", json::object());
  for (const auto& a : spec.value("validationActions", json::array())) {
    if (a.is_string()) {
      b.actions.push_back(a.get<std::string>());
    }
  }
  b.not_found_action = spec.value("paramRef", json::object()).value("parameterNotFoundAction", "");
  return b;
}

Result<std::pair<BindingState, json>> get_binding(k8s::ApiClient& api, std::string_view name) {
  auto r = api.get(std::string(k_bindings_path) + std::string(name));
  if (r && r->status == 404) {
    BindingState absent;
    absent.name = std::string(name);
    return std::make_pair(absent, json());
  }
  if (auto ok = expect_status(r, "get binding " + std::string(name), {200}); !ok) {
    return tl::unexpected(ok.error());
  }
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object()) {
    return fail(ErrorKind::bad_input, "binding " + std::string(name) + ": not JSON");
  }
  return std::make_pair(binding_of(name, j), j);
}

// issue 17 / research/admission.md §8: advisory = create [Warn, Audit], bind [Audit],
// missing params Allow; enforcing = [Deny, Audit] both, missing params Deny.
std::vector<std::string> wanted_actions(std::string_view binding, Mode mode) {
  if (mode == Mode::enforcing) {
    return {"Deny", "Audit"};
  }
  return binding == k_create_binding ? std::vector<std::string>{"Warn", "Audit"}
                                     : std::vector<std::string>{"Audit"};
}

// The managers whose server-side apply owns spec.validationActions. The list is a set
// under server-side apply (listType=set): an apply by one manager cannot remove another's
// elements, and the union of [Warn, Audit] and [Deny, Audit] is invalid. So the flip
// applies in the name of the owner (the installer, a GitOps tool): its own list is then
// replaced, and its next apply from Git replaces ours the same way.
std::vector<std::string> action_owners(const json& live) {
  std::vector<std::string> out;
  for (const auto& m :
       live.value("metadata", json::object()).value("managedFields", json::array())) {
    const auto& spec = m.value("fieldsV1", json::object()).value("f:spec", json::object());
    if (m.value("operation", "") == "Apply" && spec.contains("f:validationActions")) {
      out.push_back(m.value("manager", ""));
    }
  }
  return out;
}

// Every item of a paged list, appended to out: parse turns one page's body into its items
// and continue token (the k8s object parsers, each fuzzed).
template <typename Item, typename Parse>
Result<void> collect_pages(k8s::ApiClient& api, const std::string& path, Parse parse,
                           std::vector<Item>& out) {
  return api.list(path, k_page, [&](std::string_view body) -> Result<std::string> {
    auto page = parse(body);
    if (!page) {
      return tl::unexpected(page.error());
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(out));
    return page->continue_token;
  });
}

}  // namespace

Result<std::vector<k8s::ObjectMeta>> list_nodes(k8s::ApiClient& api) {
  std::vector<k8s::ObjectMeta> out;
  auto r = collect_pages(api, "/api/v1/nodes", k8s::parse_meta_list, out);
  if (!r) {
    return tl::unexpected(r.error());
  }
  return out;
}

Result<std::vector<std::string>> list_tierb_namespaces(k8s::ApiClient& api) {
  std::vector<std::string> out;
  auto r = api.list("/api/v1/namespaces?" + selector(k_tier_label, k_tier_b), k_page,
                    [&](std::string_view body) -> Result<std::string> {
                      auto page = k8s::parse_meta_list(body);
                      if (!page) {
                        return tl::unexpected(page.error());
                      }
                      for (auto& m : page->items) {
                        out.push_back(std::move(m.name));
                      }
                      return page->continue_token;
                    });
  if (!r) {
    return tl::unexpected(r.error());
  }
  return out;
}

Result<std::vector<k8s::PodObject>> list_pods(k8s::ApiClient& api, const std::string& ns) {
  std::vector<k8s::PodObject> out;
  auto r = collect_pages(api, "/api/v1/namespaces/" + k8s::query_escape(ns) + "/pods",
                         k8s::parse_pod_list, out);
  if (!r) {
    return tl::unexpected(r.error());
  }
  return out;
}

Result<std::vector<k8s::WorkloadObject>> list_workloads(k8s::ApiClient& api,
                                                        const std::string& ns) {
  // The collection of each kind of k_workload_kinds (apps/v1 and batch/v1 API groups).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_paths = {{
      {"Deployment", "/apis/apps/v1/namespaces/%/deployments"},
      {"ReplicaSet", "/apis/apps/v1/namespaces/%/replicasets"},
      {"StatefulSet", "/apis/apps/v1/namespaces/%/statefulsets"},
      {"DaemonSet", "/apis/apps/v1/namespaces/%/daemonsets"},
      {"Job", "/apis/batch/v1/namespaces/%/jobs"},
      {"CronJob", "/apis/batch/v1/namespaces/%/cronjobs"},
  }};
  static_assert(k_paths.size() == k_workload_kinds.size());
  std::vector<k8s::WorkloadObject> out;
  for (const auto& [kind, pattern] : k_paths) {
    std::string path(pattern);
    path.replace(path.find('%'), 1, k8s::query_escape(ns));
    const auto parse = [kind = kind](std::string_view body) {
      return k8s::parse_workload_list(body, kind);
    };
    auto r = collect_pages(api, path, parse, out);
    if (!r) {
      return tl::unexpected(r.error());
    }
  }
  return out;
}

Result<void> set_cc_label(k8s::ApiClient& api, const std::string& node, bool eligible) {
  const std::string path = "/api/v1/nodes/" + k8s::query_escape(node);
  json body;
  if (eligible) {
    body["apiVersion"] = "v1";
    body["kind"] = "Node";
    body["metadata"]["name"] = node;
    body["metadata"]["labels"][std::string(k_cc_label)] = "true";
    return expect_status(api.apply(path, body.dump(), k_field_manager), "label node " + node);
  }
  // Removal must work whoever set the label (an admin by hand, an old controller): a merge
  // patch to null removes it; server-side apply would only drop our own claim.
  body["metadata"]["labels"][std::string(k_cc_label)] = nullptr;
  return expect_status(api.merge_patch(path, body.dump(), k_field_manager), "unlabel node " + node);
}

std::string shard_body(const std::string& ns, const ParamShard& shard) {
  nlohmann::json body;
  body["apiVersion"] = "v1";
  body["kind"] = "ConfigMap";
  body["metadata"]["name"] = shard.name;
  body["metadata"]["namespace"] = ns;
  body["metadata"]["labels"] = {{"app.kubernetes.io/part-of", "ztp-prem"},
                                {std::string(k_params_label), std::string(k_params_value)},
                                {std::string(k_suffixes_label), shard.suffixes}};
  // nlohmann::json (a std::map), not ordered_json (linear lookups): 65,000 keys.
  body["data"] = shard.data;
  return body.dump();
}

Result<std::map<std::string, std::map<std::string, std::string>>> read_shards(
    k8s::ApiClient& api, const std::string& ns) {
  std::map<std::string, std::map<std::string, std::string>> out;
  auto r = api.list(configmap_path(ns) + "?" + selector(k_params_label, k_params_value), 50,
                    [&](std::string_view body) -> Result<std::string> {
                      // The fleet's ConfigMap list parser (src/k8s/watch.h, fuzzed).
                      auto page = k8s::parse_configmap_list(body);
                      if (!page) {
                        return tl::unexpected(page.error());
                      }
                      for (auto& cm : page->items) {
                        out[cm.name] = std::move(cm.data);
                      }
                      return page->continue_token;
                    });
  if (!r) {
    return tl::unexpected(r.error());
  }
  return out;
}

Result<std::size_t> write_shards(k8s::ApiClient& api, const std::string& ns,
                                 const std::vector<ParamShard>& plan,
                                 const std::vector<std::string>& existing) {
  std::size_t writes = 0;
  // New shards first, then the surplus goes: a stale extra shard meanwhile can only deny
  // (the AND over params), never admit.
  for (const auto& s : plan) {
    if (auto ok =
            expect_status(api.apply(configmap_path(ns, s.name), shard_body(ns, s), k_field_manager),
                          "apply " + s.name);
        !ok) {
      return tl::unexpected(ok.error());
    }
    ++writes;
  }
  for (const auto& name : existing) {
    const bool planned =
        std::any_of(plan.begin(), plan.end(), [&](const ParamShard& s) { return s.name == name; });
    if (!planned) {
      if (auto ok = expect_status(api.remove(configmap_path(ns, name)), "delete " + name,
                                  {200, 202, 404});
          !ok) {
        return tl::unexpected(ok.error());
      }
      ++writes;
    }
  }
  return writes;
}

Result<void> write_report(k8s::ApiClient& api, const std::string& ns, const std::string& report) {
  json body;
  body["apiVersion"] = "v1";
  body["kind"] = "ConfigMap";
  body["metadata"]["name"] = std::string(k_report_configmap);
  body["metadata"]["namespace"] = ns;
  body["metadata"]["labels"] = {{"app.kubernetes.io/part-of", "ztp-prem"}};
  body["data"][std::string(k_report_key)] = report;
  return expect_status(
      api.apply(configmap_path(ns, k_report_configmap), body.dump(), k_field_manager),
      "apply " + std::string(k_report_configmap));
}

Result<ModeState> read_mode(k8s::ApiClient& api) {
  ModeState s;
  auto create = get_binding(api, k_create_binding);
  if (!create) {
    return tl::unexpected(create.error());
  }
  auto bind = get_binding(api, k_bind_binding);
  if (!bind) {
    return tl::unexpected(bind.error());
  }
  s.create = create->first;
  s.bind = bind->first;
  const auto is = [&](Mode m) {
    return s.create.actions == wanted_actions(k_create_binding, m) &&
           s.bind.actions == wanted_actions(k_bind_binding, m) &&
           s.create.not_found_action == (m == Mode::enforcing ? "Deny" : "Allow") &&
           s.bind.not_found_action == (m == Mode::enforcing ? "Deny" : "Allow");
  };
  if (!s.create.present || !s.bind.present) {
    s.mode = "absent";
  } else if (is(Mode::enforcing)) {
    s.mode = to_string(Mode::enforcing);
  } else if (is(Mode::advisory)) {
    s.mode = to_string(Mode::advisory);
  } else {
    s.mode = "mixed";
  }
  return s;
}

Result<std::vector<std::string>> set_mode(k8s::ApiClient& api, Mode mode) {
  std::vector<std::string> changed;
  const std::string not_found = mode == Mode::enforcing ? "Deny" : "Allow";
  for (const std::string_view name : {k_create_binding, k_bind_binding}) {
    auto current = get_binding(api, name);
    if (!current) {
      return tl::unexpected(current.error());
    }
    const auto& [state, live] = *current;
    if (!state.present) {
      return fail(ErrorKind::not_found, "validatingadmissionpolicybinding/" + std::string(name) +
                                            " not found: install deploy/with-enforcement first");
    }
    const auto actions = wanted_actions(name, mode);
    if (state.actions == actions && state.not_found_action == not_found) {
      continue;
    }
    // The whole spec as the server has it, with the two fields changed: the apply is made
    // in the owner's name (below), and an apply drops whatever its manager owned but omits.
    json spec = live["spec"];
    spec["validationActions"] = actions;
    spec["paramRef"]["parameterNotFoundAction"] = not_found;
    json body;
    body["apiVersion"] = "admissionregistration.k8s.io/v1";
    body["kind"] = "ValidatingAdmissionPolicyBinding";
    body["metadata"]["name"] = std::string(name);
    for (const char* keep : {"labels", "annotations"}) {
      if (live["metadata"].contains(keep)) {
        body["metadata"][keep] = live["metadata"][keep];
      }
    }
    body["spec"] = spec;
    const std::string path = std::string(k_bindings_path) + std::string(name);
    const auto owners = action_owners(live);
    const std::string manager = owners.empty() ? std::string(k_field_manager) : owners.front();
    auto r = api.apply(path, body.dump(), manager);
    if (r && r->status == 422) {
      // Several appliers own elements of the set: a merge patch replaces the list as a
      // whole, and the apply (force) then leaves one owner.
      json patch;
      patch["spec"]["validationActions"] = actions;
      patch["spec"]["paramRef"]["parameterNotFoundAction"] = not_found;
      if (auto ok = expect_status(api.merge_patch(path, patch.dump(), k_field_manager),
                                  "patch " + std::string(name), {200});
          !ok) {
        return tl::unexpected(ok.error());
      }
      r = api.apply(path, body.dump(), manager);
    }
    if (auto ok = expect_status(r, "apply " + std::string(name), {200}); !ok) {
      return tl::unexpected(ok.error());
    }
    changed.push_back("validatingadmissionpolicybinding/" + std::string(name) +
                      ": validationActions " + join(state.actions) + " -> " + join(actions) +
                      ", parameterNotFoundAction " + state.not_found_action + " -> " + not_found +
                      " (server-side apply as " + manager + ")");
  }
  return changed;
}

}  // namespace ztp::enforce
