#include "enforce/param_shards.h"

#include <gtest/gtest.h>

#include <set>

#include "fleet/simulator.h"

namespace ztp::enforce {
namespace {

std::map<std::string, std::string> simulated(std::size_t n) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.emplace(fleet::simulated_node_name(i), "sev-snp");
  }
  return out;
}

// Every node lands in exactly the shard whose characters hold its last character, and
// the shards' characters partition the alphabet: the ANDed per-shard CEL check
// (!(last in suffixes) || node in data) then equals membership in the whole list.
void expect_partition(const std::vector<ParamShard>& shards,
                      const std::map<std::string, std::string>& nodes, std::size_t budget) {
  std::string all;
  std::size_t listed = 0;
  for (const auto& s : shards) {
    all += s.suffixes;
    listed += s.data.size();
    EXPECT_LE(s.data_bytes, budget) << s.name;
    for (const auto& [node, tee] : s.data) {
      EXPECT_NE(s.suffixes.find(node.back()), std::string::npos) << node << " in " << s.name;
    }
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, std::string(k_suffix_alphabet));
  EXPECT_EQ(listed, nodes.size());
}

TEST(ParamShards, OneShardForASmallFleet) {
  const auto nodes = simulated(100);
  const auto shards = plan_shards(nodes);
  ASSERT_TRUE(shards);
  ASSERT_EQ(shards->size(), 1u);
  EXPECT_EQ(shards->front().name, "ztp-prem-cc-nodes-0");
  EXPECT_EQ(shards->front().suffixes, std::string(k_suffix_alphabet));
  expect_partition(*shards, nodes, k_default_shard_budget);
}

TEST(ParamShards, EmptyFleetStillHasItsShard) {
  // parameterNotFoundAction decides only when no shard exists; an empty one means
  // "no eligible node", which the policies then enforce.
  const auto shards = plan_shards({});
  ASSERT_TRUE(shards);
  ASSERT_EQ(shards->size(), 1u);
  EXPECT_TRUE(shards->front().data.empty());
}

TEST(ParamShards, SixtyFiveThousandNodesSplitUnderTheBudget) {
  const auto nodes = simulated(65000);
  const auto shards = plan_shards(nodes);
  ASSERT_TRUE(shards) << shards.error().message;
  EXPECT_GT(shards->size(), 1u);
  expect_partition(*shards, nodes, k_default_shard_budget);
  // A tighter budget forces more shards, still a partition.
  const auto tight = plan_shards(nodes, 160 * 1024);
  ASSERT_TRUE(tight);
  EXPECT_GT(tight->size(), shards->size());
  expect_partition(*tight, nodes, 160 * 1024);
}

TEST(ParamShards, NamesEndingAlikeThatCannotFitAreAnError) {
  std::map<std::string, std::string> nodes;
  for (int i = 0; i < 2000; ++i) {
    nodes.emplace("node-" + std::to_string(i) + "-x", "tdx");  // all end in 'x'
  }
  const auto shards = plan_shards(nodes, 4096);
  ASSERT_FALSE(shards);
  EXPECT_EQ(shards.error().kind, ErrorKind::unsupported);
}

TEST(ParamShards, ShardOfIsTheLastCharacter) {
  EXPECT_EQ(shard_of("node-a", 1), 0u);
  EXPECT_EQ(shard_of("node-1", 36), 1u);
  EXPECT_EQ(shard_of("node-z", 36), 35u);
  EXPECT_EQ(shard_of("node-z", 4), 35u % 4);
  EXPECT_EQ(shard_of("", 4), 0u);
}

}  // namespace
}  // namespace ztp::enforce
