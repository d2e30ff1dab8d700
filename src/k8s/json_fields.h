#pragma once
// Reading fields of Kubernetes objects as the API server sends them (watch events, lists).

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace ztp::k8s {

// The strings of an object field (labels, annotations, data, nodeSelector) as a map; absent
// or null is empty, anything but an object of strings is bad_input naming the field.
Result<std::map<std::string, std::string>> string_map(const nlohmann::json& parent,
                                                      const char* key);

}  // namespace ztp::k8s
