#include "enforce/tierb.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ztp::enforce {
namespace {

k8s::PodObject pod(std::string ns, std::string name, std::string node = "",
                   std::string runtime = "") {
  k8s::PodObject p;
  p.meta.namespace_name = std::move(ns);
  p.meta.name = std::move(name);
  p.node_name = std::move(node);
  p.runtime_class = std::move(runtime);
  return p;
}

Verdicts verdicts() {
  Verdicts v;
  v["cc-1"] = Verdict{true, Reason::eligible, "sev-snp", "CC mode sev-snp"};
  v["plain-1"] = Verdict{false, Reason::mode_not_allowed, "", "CC mode none is not allowed"};
  return v;
}

TEST(TierB, PlacementByRuntimeClassOrSelector) {
  EXPECT_TRUE(placement_constrained(pod("b", "p", "", "ztp-prem-cc")));
  EXPECT_TRUE(placement_constrained(pod("b", "p", "", "kata-qemu-snp")));
  EXPECT_FALSE(placement_constrained(pod("b", "p", "", "runc")));
  auto sel = pod("b", "p");
  sel.node_selector[std::string(k_cc_label)] = "true";
  EXPECT_TRUE(placement_constrained(sel));
  sel.node_selector[std::string(k_cc_label)] = "false";
  EXPECT_FALSE(placement_constrained(sel));
}

TEST(TierB, FindingsSayWhy) {
  const auto v = verdicts();
  const auto ok = check_pod(pod("b", "ok", "cc-1", "ztp-prem-cc"), v);
  EXPECT_TRUE(ok.issues.empty());
  EXPECT_FALSE(ok.would_refuse);

  const auto bare = check_pod(pod("b", "bare"), v);
  EXPECT_TRUE(bare.would_refuse);
  ASSERT_EQ(bare.issues.size(), 1u);
  EXPECT_EQ(bare.issues[0], PodIssue::no_placement);
  EXPECT_NE(bare.why.find("runtimeClassName ztp-prem-cc"), std::string::npos);

  const auto moved = check_pod(pod("b", "moved", "plain-1", "ztp-prem-cc"), v);
  EXPECT_TRUE(moved.would_refuse);
  EXPECT_TRUE(moved.on_ineligible_node);
  EXPECT_NE(moved.why.find("mode-not-allowed"), std::string::npos) << moved.why;

  const auto unknown = check_pod(pod("b", "u", "ghost", "ztp-prem-cc"), v);
  EXPECT_TRUE(unknown.on_ineligible_node);
  EXPECT_NE(unknown.why.find("no verdict"), std::string::npos);
}

TEST(TierB, MirrorPodsAreReportedNeverRefused) {
  auto m = pod("b", "static", "plain-1");
  m.meta.annotations[std::string(k_mirror_annotation)] = "abc";
  const auto f = check_pod(m, verdicts());
  EXPECT_TRUE(f.mirror);
  EXPECT_FALSE(f.would_refuse);
  EXPECT_TRUE(f.on_ineligible_node);
}

TEST(TierB, PreflightCountsOnlyTierBAndNeverExemptNamespaces) {
  const std::vector<k8s::PodObject> pods = {pod("team-b", "ok", "cc-1", "ztp-prem-cc"),
                                            pod("team-b", "bare"),
                                            pod("team-b", "moved", "plain-1", "ztp-prem-cc"),
                                            pod("team-a", "other", "plain-1"),
                                            pod("kube-system", "dns", "plain-1"),
                                            pod("ztp-prem", "agent", "plain-1")};
  const auto p = build_preflight({"cc-1", "plain-1", "silent"}, verdicts(),
                                 {"team-b", "kube-system", "ztp-prem"}, pods, "advisory",
                                 "2026-12-01T19:00:00Z");
  EXPECT_EQ(p.nodes, 3u);
  EXPECT_EQ(p.eligible_nodes, 1u);
  EXPECT_EQ(p.ineligible_by_reason.at("mode-not-allowed"), 1u);
  EXPECT_EQ(p.ineligible_by_reason.at("no-cc-document"), 1u);
  EXPECT_EQ(p.tierb_namespaces, 1u);
  EXPECT_EQ(p.tierb_pods, 3u);
  EXPECT_EQ(p.would_refuse, 2u);
  EXPECT_EQ(p.on_ineligible_nodes, 1u);
  EXPECT_FALSE(p.clear());
  ASSERT_EQ(p.findings.size(), 2u);

  const auto j = nlohmann::json::parse(preflight_json(p));
  EXPECT_EQ(j["kind"], "EnforcementPreflight");
  EXPECT_EQ(j["clear"], false);
  EXPECT_EQ(j["tierB"]["wouldRefuse"], 2);
  EXPECT_EQ(j["namespaces"].size(), 1u);
  EXPECT_EQ(j["namespaces"][0]["name"], "team-b");
  EXPECT_EQ(j["findings"][0]["issues"][0], "no-placement");
  const auto text = preflight_text(p);
  EXPECT_NE(text.find("team-b/bare"), std::string::npos);
  EXPECT_NE(text.find("NOT clear"), std::string::npos);
  EXPECT_EQ(text.find("kube-system"), std::string::npos);
}

TEST(TierB, ClearWhenNothingWouldBeRefused) {
  const auto p = build_preflight({"cc-1"}, verdicts(), {"team-b"},
                                 {pod("team-b", "ok", "cc-1", "ztp-prem-cc")}, "enforcing",
                                 "2026-12-01T19:00:00Z");
  EXPECT_TRUE(p.clear());
  EXPECT_NE(preflight_text(p).find("preflight: clear"), std::string::npos);
}

TEST(TierB, FindingsAreCappedCountsAreNot) {
  std::vector<k8s::PodObject> pods;
  for (std::size_t i = 0; i < k_max_findings + 50; ++i) {
    pods.push_back(pod("team-b", "p" + std::to_string(i)));
  }
  const auto p = build_preflight({}, {}, {"team-b"}, pods, "advisory", "2026-12-01T19:00:00Z");
  EXPECT_EQ(p.findings.size(), k_max_findings);
  EXPECT_TRUE(p.findings_truncated);
  EXPECT_EQ(p.would_refuse, k_max_findings + 50);
}

}  // namespace
}  // namespace ztp::enforce

namespace ztp::enforce {
namespace {

TEST(TierB, WithoutParametersEnforcingRefusesEveryTierBPod) {
  const auto p =
      build_preflight({"cc-1"}, {}, {"team-b"}, {pod("team-b", "placed", "", "ztp-prem-cc")},
                      "advisory", "2026-12-01T19:00:00Z", false);
  EXPECT_EQ(p.would_refuse, 1u);
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_EQ(p.findings[0].issues.back(), PodIssue::no_parameters);
  EXPECT_NE(p.findings[0].why.find("controller"), std::string::npos);
}

}  // namespace
}  // namespace ztp::enforce

#include <fstream>

#include "testlib/fixtures.h"

namespace ztp::enforce {
namespace {

// The report as ztp-prem-enforce writes it validates against schema/enforcement.v1.
TEST(TierB, ReportMatchesItsSchema) {
  auto m = pod("team-b", "static", "plain-1");
  m.meta.annotations[std::string(k_mirror_annotation)] = "abc";
  auto p = build_preflight({"cc-1", "plain-1", "silent"}, verdicts(), {"team-b"},
                           {pod("team-b", "bare"), m, pod("team-b", "ok", "cc-1", "ztp-prem-cc")},
                           "advisory", "2026-12-01T19:00:00Z");
  k8s::WorkloadObject cron;
  cron.kind = "CronJob";
  cron.meta.namespace_name = "team-b";
  cron.meta.name = "nightly";
  cron.pod_template.node_name = "plain-1";
  add_workloads(p, {cron}, verdicts());
  ASSERT_EQ(p.workloads.size(), 1u);
  const auto file = std::filesystem::temp_directory_path() / "ztp-enforce-report-test.json";
  std::ofstream(file) << preflight_json(p);
  const auto schema = ztp::testing::source_dir() / "schema/enforcement.v1.schema.json";
  const auto r = ztp::testing::run_command(
      {"/usr/bin/python3", "-c",
       "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), "
       "json.load(open(sys.argv[1]))); print(\"valid\")",
       schema.string(), file.string()});
  std::filesystem::remove(file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ztp::enforce

#include "fleet/enforcement_report.h"

namespace ztp::enforce {
namespace {

// The fleet service serves only reports it can check (schema and arithmetic): every kind of
// report the controller and the CLI write passes that check.
TEST(TierB, TheFleetAcceptsEveryReportPreflightWrites) {
  auto m = pod("team-b", "static", "plain-1");
  m.meta.annotations[std::string(k_mirror_annotation)] = "abc";
  std::vector<k8s::PodObject> many;
  for (std::size_t i = 0; i < k_max_findings + 5; ++i) {
    many.push_back(pod("team-c", "p" + std::to_string(i), i % 2 ? "plain-1" : ""));
  }
  const std::vector<Preflight> reports = {
      build_preflight({"cc-1", "plain-1", "silent"}, verdicts(), {"team-b", "kube-system"},
                      {pod("team-b", "bare"), m, pod("team-b", "ok", "cc-1", "ztp-prem-cc"),
                       pod("kube-system", "dns", "plain-1")},
                      "advisory", "2026-12-01T19:00:00Z"),
      build_preflight({"cc-1"}, verdicts(), {}, {}, "absent", "2026-12-01T19:00:00Z"),
      build_preflight({"cc-1", "plain-1"}, verdicts(), {"team-b", "team-c"}, many, "mixed",
                      "2026-12-01T19:00:00Z"),
      build_preflight({"cc-1"}, {}, {"team-b"}, {pod("team-b", "placed", "", "ztp-prem-cc")},
                      "enforcing", "2026-12-01T19:00:00Z", false),
  };
  for (const auto& p : reports) {
    const auto parsed = fleet::parse_enforcement_report(preflight_json(p));
    EXPECT_TRUE(parsed) << parsed.error().message;
  }
}

}  // namespace
}  // namespace ztp::enforce

namespace ztp::enforce {
namespace {

// A workload with its pod template (the fields the create policy reads).
k8s::WorkloadObject workload(std::string kind, std::string ns, std::string name,
                             std::string runtime = "", std::string node = "",
                             std::string owner_kind = "") {
  k8s::WorkloadObject w;
  w.kind = std::move(kind);
  w.meta.namespace_name = ns;
  w.meta.name = name;
  if (!owner_kind.empty()) {
    w.meta.owner_kinds.push_back(std::move(owner_kind));
  }
  w.pod_template = pod(std::move(ns), std::move(name), std::move(node), std::move(runtime));
  return w;
}

Preflight with_workloads(const std::vector<k8s::WorkloadObject>& ws, bool params = true) {
  auto p = build_preflight({"cc-1", "plain-1"}, verdicts(), {"team-b", "kube-system"}, {},
                           "advisory", "2026-12-01T19:00:00Z", params);
  add_workloads(p, ws, verdicts(), params);
  return p;
}

TEST(TierBWorkloads, EveryKindsTemplateIsJudgedAsItsPodsWouldBe) {
  for (const auto& k : k_workload_kinds) {
    const std::string kind(k.kind);
    const auto bare = check_workload(workload(kind, "team-b", "bare"), verdicts());
    EXPECT_TRUE(bare.would_refuse()) << kind;
    ASSERT_EQ(bare.issues, std::vector<PodIssue>{PodIssue::no_placement}) << kind;
    EXPECT_NE(bare.why.find("runtimeClassName ztp-prem-cc"), std::string::npos) << kind;
    EXPECT_EQ(bare.kind, kind);

    const auto ok = check_workload(workload(kind, "team-b", "ok", "ztp-prem-cc"), verdicts());
    EXPECT_FALSE(ok.would_refuse()) << kind;

    auto selected = workload(kind, "team-b", "sel");
    selected.pod_template.node_selector[std::string(k_cc_label)] = "true";
    EXPECT_FALSE(check_workload(selected, verdicts()).would_refuse()) << kind;

    // A template pinned to a node: judged at create, never "bound" (no pod exists yet).
    const auto pinned =
        check_workload(workload(kind, "team-b", "pin", "ztp-prem-cc", "plain-1"), verdicts());
    ASSERT_EQ(pinned.issues, std::vector<PodIssue>{PodIssue::node_name_ineligible}) << kind;
    EXPECT_NE(pinned.why.find("node plain-1 is not eligible: mode-not-allowed"), std::string::npos)
        << pinned.why;
    EXPECT_FALSE(
        check_workload(workload(kind, "team-b", "pin-ok", "kata-qemu-tdx", "cc-1"), verdicts())
            .would_refuse());
  }
}

TEST(TierBWorkloads, OwnedReplicaSetsAndJobsAreReportedThroughTheirOwner) {
  EXPECT_TRUE(judged_through_owner(workload("ReplicaSet", "b", "rs", "", "", "Deployment")));
  EXPECT_TRUE(judged_through_owner(workload("Job", "b", "j", "", "", "CronJob")));
  EXPECT_FALSE(judged_through_owner(workload("ReplicaSet", "b", "rs")));
  EXPECT_FALSE(judged_through_owner(workload("Job", "b", "j")));
  // Only the owner kind named in k_workload_kinds counts.
  EXPECT_FALSE(judged_through_owner(workload("Pod", "b", "p", "", "", "Deployment")));
  EXPECT_FALSE(judged_through_owner(workload("StatefulSet", "b", "s", "", "", "Deployment")));

  const auto p = with_workloads({workload("Deployment", "team-b", "web"),
                                 workload("ReplicaSet", "team-b", "web-5d8f", "", "", "Deployment"),
                                 workload("ReplicaSet", "team-b", "lone"),
                                 workload("CronJob", "team-b", "nightly"),
                                 workload("Job", "team-b", "nightly-2900", "", "", "CronJob"),
                                 workload("Job", "team-b", "once", "ztp-prem-cc")});
  EXPECT_EQ(p.tierb_workloads, 4u);
  EXPECT_EQ(p.workloads_would_refuse, 3u);
  std::vector<std::string> listed;
  for (const auto& w : p.workloads) {
    listed.push_back(w.kind + "/" + w.name);
  }
  EXPECT_EQ(listed,
            (std::vector<std::string>{"Deployment/web", "ReplicaSet/lone", "CronJob/nightly"}));
  EXPECT_FALSE(p.clear());
}

TEST(TierBWorkloads, OnlyTierBNamespacesAndACompliantTemplateIsNotListed) {
  const auto p = with_workloads({workload("Deployment", "team-b", "placed", "ztp-prem-cc"),
                                 workload("DaemonSet", "kube-system", "proxy"),
                                 workload("StatefulSet", "team-a", "db")});
  EXPECT_EQ(p.tierb_workloads, 1u);
  EXPECT_EQ(p.workloads_would_refuse, 0u);
  EXPECT_TRUE(p.workloads.empty());
  EXPECT_TRUE(p.clear());
  EXPECT_EQ(p.namespaces.at("team-b").workloads, 1u);
  const auto text = preflight_text(p);
  EXPECT_NE(text.find("workload templates: 1, enforcing would refuse their pods: 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("preflight: clear"), std::string::npos);
}

TEST(TierBWorkloads, ListedWithKindNamespaceNameAndWhyInTextAndJson) {
  const auto p =
      with_workloads({workload("StatefulSet", "team-b", "db"),
                      workload("DaemonSet", "team-b", "pinned", "ztp-prem-cc", "ghost")});
  const auto j = nlohmann::json::parse(preflight_json(p));
  EXPECT_EQ(j["clear"], false);
  EXPECT_EQ(j["tierB"]["workloads"], 2);
  EXPECT_EQ(j["tierB"]["workloadsWouldRefuse"], 2);
  ASSERT_EQ(j["workloads"].size(), 2u);
  EXPECT_EQ(j["workloads"][0]["kind"], "StatefulSet");
  EXPECT_EQ(j["workloads"][0]["namespace"], "team-b");
  EXPECT_EQ(j["workloads"][0]["name"], "db");
  EXPECT_EQ(j["workloads"][0]["issues"], nlohmann::json::array({"no-placement"}));
  EXPECT_EQ(j["workloads"][1]["issues"], nlohmann::json::array({"node-name-ineligible"}));
  EXPECT_EQ(j["namespaces"][0]["workloadsWouldRefuse"], 2);
  EXPECT_EQ(j["workloadsTruncated"], false);
  const auto text = preflight_text(p);
  EXPECT_NE(text.find("  StatefulSet team-b/db: no runtimeClassName"), std::string::npos) << text;
  EXPECT_NE(text.find("  DaemonSet team-b/pinned: node ghost is not eligible: no verdict"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("NOT clear"), std::string::npos);
}

TEST(TierBWorkloads, WithoutParametersEveryTemplateWouldBeRefused) {
  const auto p = with_workloads({workload("Deployment", "team-b", "placed", "ztp-prem-cc")}, false);
  ASSERT_EQ(p.workloads.size(), 1u);
  EXPECT_EQ(p.workloads[0].issues, std::vector<PodIssue>{PodIssue::no_parameters});
}

TEST(TierBWorkloads, ListIsCappedCountsAreNot) {
  std::vector<k8s::WorkloadObject> ws;
  for (std::size_t i = 0; i < k_max_findings + 7; ++i) {
    ws.push_back(workload("Deployment", "team-b", "d" + std::to_string(i)));
  }
  const auto p = with_workloads(ws);
  EXPECT_EQ(p.workloads.size(), k_max_findings);
  EXPECT_TRUE(p.workloads_truncated);
  EXPECT_EQ(p.workloads_would_refuse, k_max_findings + 7);
  // The fleet accepts the capped report (its count is complete, its list is not).
  const auto parsed = fleet::parse_enforcement_report(preflight_json(p));
  EXPECT_TRUE(parsed) << parsed.error().message;
}

}  // namespace
}  // namespace ztp::enforce
