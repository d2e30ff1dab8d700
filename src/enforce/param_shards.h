#pragma once
// The parameter objects of the admission policies (deploy/with-enforcement): the eligible
// nodes as ConfigMaps `ztp-prem-cc-nodes-<i>`, data {<node>: <tee>}. A ConfigMap holds at
// most 1 MiB of data (k8s.io/docs/concepts/configuration/configmap/), which one object of
// 65,000 node names exceeds, so the list is sharded by the node name's last character
// (RFC 1123: [a-z0-9]); each shard carries its characters in a label. The policies select
// every shard by label and, since the server ANDs the results over all selected params
// (k8s.io/docs/reference/access-authn-authz/validating-admission-policy/, "paramRef"),
// each shard vouches only for the names ending in its characters:
//   !(suffix of node in shard's characters) || node in shard.data
// Pure: planning only; src/enforce/controller applies them.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::enforce {

inline constexpr std::string_view k_shard_prefix = "ztp-prem-cc-nodes-";
// The label every shard carries (the policies' paramRef.selector) and its value.
inline constexpr std::string_view k_params_label = "ztp-prem.tlsstress.art/params";
inline constexpr std::string_view k_params_value = "cc-nodes";
// The label holding a shard's last characters.
inline constexpr std::string_view k_suffixes_label = "ztp-prem.tlsstress.art/suffixes";
// The characters a node name can end with (RFC 1123 label, lower case).
inline constexpr std::string_view k_suffix_alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
// Data bytes per shard we aim under: the 1 MiB data limit, and room for managedFields
// (server-side apply records one entry per key, about as large again) under etcd's
// 1.5 MiB request limit (--max-request-bytes default).
inline constexpr std::size_t k_default_shard_budget = 512 * 1024;

struct ParamShard {
  std::string name;                         // ztp-prem-cc-nodes-<i>
  std::string suffixes;                     // the last characters it vouches for
  std::map<std::string, std::string> data;  // eligible node -> tee
  std::size_t data_bytes = 0;               // sum of key and value sizes
};

// The fewest shards (1..36) whose data each fits the budget; character i of the alphabet
// goes to shard i mod k, so names that all end in digits still spread over up to 10.
// Fails when even 36 shards do not fit (one character's names exceed the budget).
Result<std::vector<ParamShard>> plan_shards(const std::map<std::string, std::string>& eligible,
                                            std::size_t budget = k_default_shard_budget);

// The shard a node name belongs to among `count` shards.
std::size_t shard_of(std::string_view node, std::size_t count);

}  // namespace ztp::enforce
