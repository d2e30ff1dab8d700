#include "k8s/watch.h"

#include <nlohmann/json.hpp>

#include "k8s/configmap_client.h"
#include "k8s/json_fields.h"

namespace ztp::k8s {
namespace {

using nlohmann::json;

std::string string_field(const json& parent, const char* key) {
  const auto it = parent.find(key);
  return it != parent.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<ConfigMapObject> parse_object(const json& j) {
  if (!j.is_object()) {
    return fail(ErrorKind::bad_input, "object: not a JSON object");
  }
  const auto meta = j.find("metadata");
  if (meta == j.end() || !meta->is_object()) {
    return fail(ErrorKind::bad_input, "object: no metadata");
  }
  ConfigMapObject out;
  out.name = string_field(*meta, "name");
  out.resource_version = string_field(*meta, "resourceVersion");
  auto labels = string_map(*meta, "labels");
  if (!labels) {
    return tl::unexpected(labels.error());
  }
  out.labels = std::move(*labels);
  auto data = string_map(j, "data");
  if (!data) {
    return tl::unexpected(data.error());
  }
  out.data = std::move(*data);
  return out;
}

json parse_json(std::string_view text) {
  // Nesting is bounded by the callers' line and body caps; discarded on error.
  return json::parse(text.begin(), text.end(), nullptr, false);
}

}  // namespace

Result<ConfigMapList> parse_configmap_list(std::string_view body) {
  const json j = parse_json(body);
  if (!j.is_object() || !j.contains("items") || !j["items"].is_array()) {
    return fail(ErrorKind::bad_input, "list: not a ConfigMapList");
  }
  ConfigMapList out;
  if (const auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
    out.resource_version = string_field(*meta, "resourceVersion");
    out.continue_token = string_field(*meta, "continue");
  }
  for (const auto& item : j["items"]) {
    auto object = parse_object(item);
    if (!object) {
      return tl::unexpected(object.error());
    }
    out.items.push_back(std::move(*object));
  }
  return out;
}

Result<WatchEvent> parse_watch_event(std::string_view line) {
  const json j = parse_json(line);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("object")) {
    return fail(ErrorKind::bad_input, "watch event: not {type, object}");
  }
  const std::string type = j["type"].get<std::string>();
  WatchEvent event;
  const json& object = j["object"];
  if (type == "ERROR") {
    // The object is a Status (k8s.io/docs/reference/using-api/api-concepts/#410-gone-responses).
    event.type = WatchEventType::error;
    if (object.is_object()) {
      if (const auto code = object.find("code");
          code != object.end() && code->is_number_integer()) {
        event.error_code = code->get<int>();
      }
      event.error_reason = string_field(object, "reason");
    }
    return event;
  }
  if (type == "ADDED") {
    event.type = WatchEventType::added;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::modified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::deleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::bookmark;
  } else {
    return fail(ErrorKind::bad_input, "watch event: unknown type");
  }
  auto parsed = parse_object(object);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  event.object = std::move(*parsed);
  return event;
}

Result<std::vector<std::string>> WatchLineSplitter::feed(std::string_view chunk) {
  std::vector<std::string> lines;
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, nl);
    if (m_partial.size() + piece.size() > m_max_line) {
      m_partial.clear();
      return fail(ErrorKind::bad_input, "watch stream: an event exceeds the size limit");
    }
    if (nl == std::string_view::npos) {
      m_partial.append(piece);
      break;
    }
    m_partial.append(piece);
    if (!m_partial.empty() && m_partial.back() == '\r') {
      m_partial.pop_back();
    }
    if (m_partial.find_first_not_of(" \t") != std::string::npos) {
      lines.push_back(std::move(m_partial));
    }
    m_partial.clear();
    chunk.remove_prefix(nl + 1);
  }
  return lines;
}

std::string configmaps_path(std::string_view base_path, std::string_view namespace_name) {
  // k8s.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/#list-list-or-watch-objects-of-kind-configmap
  return std::string(base_path) + "/api/v1/namespaces/" + query_escape(namespace_name) +
         "/configmaps";
}

}  // namespace ztp::k8s
