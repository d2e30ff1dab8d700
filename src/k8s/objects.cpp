#include "k8s/objects.h"

#include <nlohmann/json.hpp>

#include "k8s/json_fields.h"

namespace ztp::k8s {
namespace {

using json = nlohmann::json;

// A list page is a few MiB at most; nesting deeper than this is no Kubernetes object.
constexpr int k_max_depth = 64;

Result<json> parse_body(std::string_view body) {
  int depth = 0;
  bool too_deep = false;
  json j = json::parse(
      body,
      [&](int, json::parse_event_t event, json&) {
        if (event == json::parse_event_t::object_start ||
            event == json::parse_event_t::array_start) {
          too_deep = too_deep || ++depth > k_max_depth;
        } else if (event == json::parse_event_t::object_end ||
                   event == json::parse_event_t::array_end) {
          --depth;
        }
        return !too_deep;
      },
      false);
  if (too_deep) {
    return fail(ErrorKind::bad_input, "list: nested too deeply");
  }
  if (!j.is_object() || !j.contains("items") || !(j["items"].is_array() || j["items"].is_null())) {
    return fail(ErrorKind::bad_input, "list: not a Kubernetes list object");
  }
  return j;
}

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<ObjectMeta> meta_of(const json& item) {
  if (!item.is_object() || !item.contains("metadata") || !item["metadata"].is_object()) {
    return fail(ErrorKind::bad_input, "item: no metadata");
  }
  const json& m = item["metadata"];
  ObjectMeta meta;
  meta.name = string_at(m, "name");
  meta.namespace_name = string_at(m, "namespace");
  if (meta.name.empty()) {
    return fail(ErrorKind::bad_input, "item: no metadata.name");
  }
  auto labels = string_map(m, "labels");
  auto annotations = string_map(m, "annotations");
  if (!labels || !annotations) {
    return tl::unexpected(!labels ? labels.error() : annotations.error());
  }
  meta.labels = std::move(*labels);
  meta.annotations = std::move(*annotations);
  if (const auto owners = m.find("ownerReferences"); owners != m.end() && owners->is_array()) {
    for (const auto& o : *owners) {
      if (o.is_object()) {
        meta.owner_kinds.push_back(string_at(o, "kind"));
      }
    }
  }
  return meta;
}

const json* object_at(const json* j, const char* key) {
  if (j == nullptr || !j->is_object()) {
    return nullptr;
  }
  const auto it = j->find(key);
  return it != j->end() && it->is_object() ? &*it : nullptr;
}

const json* object_at(const json& j, const char* key) { return object_at(&j, key); }

// A pod's or a pod template's spec: the fields the create policy reads.
Result<void> pod_spec_of(const json& item, PodObject& pod) {
  const json* spec = object_at(item, "spec");
  if (spec == nullptr) {
    return {};
  }
  pod.node_name = string_at(*spec, "nodeName");
  pod.runtime_class = string_at(*spec, "runtimeClassName");
  auto selector = string_map(*spec, "nodeSelector");
  if (!selector) {
    return tl::unexpected(selector.error());
  }
  pod.node_selector = std::move(*selector);
  return {};
}

std::string continue_of(const json& list) {
  const auto m = list.find("metadata");
  return m != list.end() && m->is_object() ? string_at(*m, "continue") : std::string();
}

// A list response's items, each turned into T by object_of(item, its metadata); the first
// malformed item fails the page (the caller retries the list, never half a page).
template <typename T, typename ObjectOf>
Result<ObjectList<T>> parse_list(std::string_view body, ObjectOf object_of) {
  auto j = parse_body(body);
  if (!j) {
    return tl::unexpected(j.error());
  }
  ObjectList<T> out;
  out.continue_token = continue_of(*j);
  for (const auto& item : (*j)["items"]) {
    auto meta = meta_of(item);
    if (!meta) {
      return tl::unexpected(meta.error());
    }
    Result<T> object = object_of(item, std::move(*meta));
    if (!object) {
      return tl::unexpected(object.error());
    }
    out.items.push_back(std::move(*object));
  }
  return out;
}

}  // namespace

Result<ObjectList<ObjectMeta>> parse_meta_list(std::string_view body) {
  return parse_list<ObjectMeta>(
      body, [](const json&, ObjectMeta meta) -> Result<ObjectMeta> { return meta; });
}

Result<ObjectList<PodObject>> parse_pod_list(std::string_view body) {
  return parse_list<PodObject>(body, [](const json& item, ObjectMeta meta) -> Result<PodObject> {
    PodObject pod;
    pod.meta = std::move(meta);
    if (auto ok = pod_spec_of(item, pod); !ok) {
      return tl::unexpected(ok.error());
    }
    if (const auto status = item.find("status"); status != item.end() && status->is_object()) {
      pod.phase = string_at(*status, "phase");
    }
    return pod;
  });
}

Result<ObjectList<WorkloadObject>> parse_workload_list(std::string_view body,
                                                       std::string_view kind) {
  return parse_list<WorkloadObject>(
      body, [kind](const json& item, ObjectMeta meta) -> Result<WorkloadObject> {
        WorkloadObject w;
        w.kind = std::string(kind);
        w.meta = std::move(meta);
        w.pod_template.meta.namespace_name = w.meta.namespace_name;
        w.pod_template.meta.name = w.meta.name;
        const json* spec = object_at(item, "spec");
        if (kind == "CronJob") {
          spec = object_at(spec, "jobTemplate");
          spec = object_at(spec, "spec");
        }
        if (const json* tmpl = object_at(spec, "template"); tmpl != nullptr) {
          if (auto ok = pod_spec_of(*tmpl, w.pod_template); !ok) {
            return tl::unexpected(ok.error());
          }
        }
        return w;
      });
}

}  // namespace ztp::k8s
