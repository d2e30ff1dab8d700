#include "enforce/param_shards.h"

#include <algorithm>
#include <array>

namespace ztp::enforce {

std::size_t shard_of(std::string_view node, std::size_t count) {
  const auto at = node.empty() ? std::string_view::npos : k_suffix_alphabet.find(node.back());
  // A name that ends otherwise is no valid node name; shard 0 keeps it out of harm's way.
  return at == std::string_view::npos ? 0 : at % count;
}

Result<std::vector<ParamShard>> plan_shards(const std::map<std::string, std::string>& eligible,
                                            std::size_t budget) {
  // Bytes per last character once; then the smallest count whose shards all fit.
  std::array<std::size_t, k_suffix_alphabet.size()> bytes{};
  for (const auto& [node, tee] : eligible) {
    bytes[shard_of(node, k_suffix_alphabet.size())] += node.size() + tee.size();
  }
  for (std::size_t count = 1; count <= k_suffix_alphabet.size(); ++count) {
    std::vector<std::size_t> per_shard(count, 0);
    for (std::size_t c = 0; c < bytes.size(); ++c) {
      per_shard[c % count] += bytes[c];
    }
    if (std::any_of(per_shard.begin(), per_shard.end(),
                    [&](std::size_t b) { return b > budget; })) {
      continue;
    }
    std::vector<ParamShard> shards(count);
    for (std::size_t i = 0; i < count; ++i) {
      shards[i].name = std::string(k_shard_prefix) + std::to_string(i);
      shards[i].data_bytes = per_shard[i];
    }
    for (std::size_t c = 0; c < k_suffix_alphabet.size(); ++c) {
      shards[c % count].suffixes += k_suffix_alphabet[c];
    }
    for (const auto& [node, tee] : eligible) {
      shards[shard_of(node, count)].data.emplace_hint(shards[shard_of(node, count)].data.end(),
                                                      node, tee);
    }
    return shards;
  }
  return fail(ErrorKind::unsupported,
              "eligible nodes do not fit 36 parameter shards: too many names end alike");
}

}  // namespace ztp::enforce
