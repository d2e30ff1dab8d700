#include "k8s/objects.h"

#include <gtest/gtest.h>

namespace ztp::k8s {
namespace {

TEST(Objects, PodListFields) {
  const auto l = parse_pod_list(
      R"({"kind":"PodList","metadata":{"continue":"c1"},"items":[{"metadata":{"name":"p1",)"
      R"("namespace":"team-b","annotations":{"kubernetes.io/config.mirror":"h"},)"
      R"("ownerReferences":[{"kind":"DaemonSet"}]},"spec":{"nodeName":"n1",)"
      R"("runtimeClassName":"ztp-prem-cc","nodeSelector":{"a":"b"}},"status":{"phase":"Running"}}]})");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->continue_token, "c1");
  ASSERT_EQ(l->items.size(), 1u);
  const auto& p = l->items[0];
  EXPECT_EQ(p.meta.namespace_name, "team-b");
  EXPECT_EQ(p.node_name, "n1");
  EXPECT_EQ(p.runtime_class, "ztp-prem-cc");
  EXPECT_EQ(p.node_selector.at("a"), "b");
  EXPECT_EQ(p.meta.owner_kinds, std::vector<std::string>{"DaemonSet"});
  EXPECT_EQ(p.phase, "Running");
}

TEST(Objects, NodeListAndEmptyItems) {
  const auto l = parse_meta_list(R"({"items":[{"metadata":{"name":"n","labels":{"x":"y"}}}]})");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->items.at(0).labels.at("x"), "y");
  EXPECT_TRUE(parse_meta_list(R"({"items":null})"));
}

TEST(Objects, MalformedIsAnErrorNeverACrash) {
  for (const char* bad : {"", "[]", "{}", R"({"items":{}})", R"({"items":[{}]})",
                          R"({"items":[{"metadata":{"name":""}}]})",
                          R"({"items":[{"metadata":{"name":"a","labels":{"x":1}}}]})",
                          R"({"items":[{"metadata":{"name":"a"},"spec":{"nodeSelector":[]}}]})"}) {
    EXPECT_FALSE(parse_pod_list(bad)) << bad;
  }
  std::string deep(10000, '[');
  EXPECT_FALSE(parse_meta_list(R"({"items":)" + deep));
}

}  // namespace
}  // namespace ztp::k8s
