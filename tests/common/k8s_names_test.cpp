#include "common/k8s_names.h"

#include <gtest/gtest.h>

#include <string>

namespace ztp {
namespace {

TEST(NodeName, AcceptsWhatTheApiServerAccepts) {
  EXPECT_TRUE(is_node_name("a"));
  EXPECT_TRUE(is_node_name("node-a"));
  EXPECT_TRUE(is_node_name("ip-10-0-0-1.ec2.internal"));
  EXPECT_TRUE(is_node_name("0"));
  const std::string label(63, 'a');
  const std::string longest = label + "." + label + "." + label + "." + std::string(61, 'a');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(is_node_name(longest));
}

// The names the red team got through the probe (redteam.md BUG-11), and friends.
TEST(NodeName, RefusesWhatTheApiServerRefuses) {
  for (const char* name :
       {"", ".a", "..", "-a", "a.", "a..b", "a-", "A", "node_a", "node a", "a/b", "\xc3\xa9"}) {
    EXPECT_FALSE(is_node_name(name)) << name;
  }
  EXPECT_FALSE(is_node_name(std::string(254, 'a')));
}

TEST(NodeName, PublishableBoundLeavesRoomForTheConfigMapName) {
  EXPECT_EQ(k_node_configmap_prefix.size() + k_max_publishable_node_chars, 253u);
}

TEST(Wave, LabelValueCharactersOnly) {
  EXPECT_TRUE(is_wave("0.1.0"));
  EXPECT_TRUE(is_wave("Wave_2-b"));
  EXPECT_TRUE(is_wave(std::string(63, 'w')));
  EXPECT_FALSE(is_wave(std::string(64, 'w')));
  EXPECT_FALSE(is_wave(""));
  EXPECT_FALSE(is_wave("a b"));
  EXPECT_FALSE(is_wave("a/b"));
}

}  // namespace
}  // namespace ztp
