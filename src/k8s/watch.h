#pragma once
// List and watch of ConfigMaps, the wire side: the list page and watch event documents
// (k8s.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes) and the
// splitter that cuts a watch stream into events. Pure functions on strings, fuzzed.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::k8s {

// The parts of a ConfigMap the fleet reads.
struct ConfigMapObject {
  std::string name;
  std::string resource_version;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> data;
};

struct ConfigMapList {
  std::string resource_version;  // the list's, to start the watch from
  std::string continue_token;    // empty on the last page
  std::vector<ConfigMapObject> items;
};

enum class WatchEventType { added, modified, deleted, bookmark, error };

struct WatchEvent {
  WatchEventType type = WatchEventType::added;
  ConfigMapObject object;  // added/modified/deleted; bookmark: resource_version only
  int error_code = 0;      // error: the Status object's code (410 = resourceVersion too old)
  std::string error_reason;
};

// A v1 ConfigMapList page.
Result<ConfigMapList> parse_configmap_list(std::string_view body);
// One watch event object {"type": ..., "object": ...}.
Result<WatchEvent> parse_watch_event(std::string_view line);

// A watch body is a stream of JSON objects, one per line (the API server writes each
// event followed by "\n"); chunk boundaries fall anywhere. feed() returns the complete
// lines in order (without the newline, blank lines skipped) and keeps the rest. A line
// longer than max_line is an error: the stream is then unusable and must be reopened.
class WatchLineSplitter {
 public:
  explicit WatchLineSplitter(std::size_t max_line) : m_max_line(max_line) {}
  Result<std::vector<std::string>> feed(std::string_view chunk);
  std::size_t pending() const { return m_partial.size(); }

 private:
  std::size_t m_max_line;
  std::string m_partial;
};

// The collection path of namespaced ConfigMaps, with query parameters appended by callers.
std::string configmaps_path(std::string_view base_path, std::string_view namespace_name);

}  // namespace ztp::k8s
