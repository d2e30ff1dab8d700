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

TEST(Objects, WorkloadTemplatesOfEachShape) {
  const auto d = parse_workload_list(
      R"({"kind":"DeploymentList","metadata":{"continue":"c2"},"items":[{"metadata":{"name":"web",)"
      R"("namespace":"team-b","ownerReferences":[{"kind":"Other"}]},"spec":{"replicas":3,)"
      R"("template":{"metadata":{"labels":{"a":"b"}},"spec":{"runtimeClassName":"ztp-prem-cc",)"
      R"("nodeName":"n1","nodeSelector":{"x":"y"}}}}}]})",
      "Deployment");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->continue_token, "c2");
  ASSERT_EQ(d->items.size(), 1u);
  const auto& w = d->items[0];
  EXPECT_EQ(w.kind, "Deployment");
  EXPECT_EQ(w.meta.namespace_name, "team-b");
  EXPECT_EQ(w.meta.name, "web");
  EXPECT_EQ(w.meta.owner_kinds, std::vector<std::string>{"Other"});
  EXPECT_EQ(w.pod_template.runtime_class, "ztp-prem-cc");
  EXPECT_EQ(w.pod_template.node_name, "n1");
  EXPECT_EQ(w.pod_template.node_selector.at("x"), "y");
  EXPECT_EQ(w.pod_template.meta.name, "web");

  const auto c = parse_workload_list(
      R"({"items":[{"metadata":{"name":"nightly","namespace":"team-b"},"spec":{"schedule":"@daily",)"
      R"("jobTemplate":{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu-snp"}}}}}}]})",
      "CronJob");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->items.at(0).pod_template.runtime_class, "kata-qemu-snp");
  // A CronJob's spec.template is not its pods' template; a Job's jobTemplate is nothing.
  const auto wrong = parse_workload_list(
      R"({"items":[{"metadata":{"name":"j"},"spec":{"template":{"spec":{"runtimeClassName":"x"}},)"
      R"("jobTemplate":{"spec":{"template":{"spec":{"runtimeClassName":"y"}}}}}}]})",
      "Job");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->items.at(0).pod_template.runtime_class, "x");
  // No template at all (malformed, or cut short): an unconstrained template, judged as such.
  const auto none = parse_workload_list(R"({"items":[{"metadata":{"name":"e"}}]})", "StatefulSet");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->items.at(0).pod_template.runtime_class.empty());
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
  for (
      const char* bad :
      {"", "{}", R"({"items":[{}]})",
       R"({"items":[{"metadata":{"name":"a"},"spec":{"template":{"spec":{"nodeSelector":[]}}}}]})"}) {
    EXPECT_FALSE(parse_workload_list(bad, "Deployment")) << bad;
  }
  std::string deep(10000, '[');
  EXPECT_FALSE(parse_meta_list(R"({"items":)" + deep));
}

}  // namespace
}  // namespace ztp::k8s
