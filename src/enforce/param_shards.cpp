#include "enforce/param_shards.h"

namespace ztp::enforce {

std::size_t shard_of(std::string_view node, std::size_t count) {
  const auto at = node.empty() ? std::string_view::npos : k_suffix_alphabet.find(node.back());
  // A name that ends otherwise is no valid node name; shard 0 keeps it out of harm's way.
  return at == std::string_view::npos ? 0 : at % count;
}

Result<std::vector<ParamShard>> plan_shards(const std::map<std::string, std::string>& eligible,
                                            std::size_t budget) {
  for (std::size_t count = 1; count <= k_suffix_alphabet.size(); ++count) {
    std::vector<ParamShard> shards(count);
    for (std::size_t i = 0; i < count; ++i) {
      shards[i].name = std::string(k_shard_prefix) + std::to_string(i);
    }
    for (std::size_t c = 0; c < k_suffix_alphabet.size(); ++c) {
      shards[c % count].suffixes += k_suffix_alphabet[c];
    }
    bool fits = true;
    for (const auto& [node, tee] : eligible) {
      auto& s = shards[shard_of(node, count)];
      s.data_bytes += node.size() + tee.size();
      if (s.data_bytes > budget) {
        fits = false;
        break;
      }
      s.data.emplace(node, tee);
    }
    if (fits) {
      return shards;
    }
  }
  return fail(ErrorKind::unsupported,
              "eligible nodes do not fit 36 parameter shards: too many names end alike");
}

}  // namespace ztp::enforce
