#include "k8s/json_fields.h"

namespace ztp::k8s {

Result<std::map<std::string, std::string>> string_map(const nlohmann::json& parent,
                                                      const char* key) {
  std::map<std::string, std::string> out;
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    return out;
  }
  if (!it->is_object()) {
    return fail(ErrorKind::bad_input, std::string(key) + ": not an object");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return fail(ErrorKind::bad_input, std::string(key) + ": a value is not a string");
    }
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

}  // namespace ztp::k8s
