// The Tier B verdict over the host profiles: every testdata/hosts profile runs through the
// real probe (in-process, fixed clock), its document through the fleet's parser and model,
// and the row through decide(). Expectations come from each profile's expected.json.
#include "enforce/eligibility.h"

#include <gtest/gtest.h>

#include <set>

#include "cli/probe_run.h"
#include "enforce/controller.h"
#include "fleet/fleet_state.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"

namespace ztp::enforce {
namespace {

using namespace std::chrono_literals;
using ztp::testing::HostProfile;

// The probe's JSON document for a profile, as node "n1".
std::string document_of(const cli::ProbeSpec& spec, const HostProfile& p) {
  auto args = p.args();
  args.insert(args.end(), {"--format", "json", "--node", "n1"});
  const auto r = cli::testing::run_captured(spec, args);
  EXPECT_EQ(r.code, 0) << p.name << ": " << r.err;
  return r.out;
}

// A model holding the given documents of node n1; returns its row (copied).
fleet::Row row_of(const Clock& clock,
                  const std::vector<std::pair<fleet::Probe, std::string>>& docs) {
  fleet::FleetState state(clock, 1h);
  std::vector<fleet::DocumentUpdate> updates;
  for (const auto& [probe, bytes] : docs) {
    fleet::DocumentUpdate u;
    u.node = "n1";
    u.probe = probe;
    u.document = fleet::parse_status_document(bytes, probe, "n1");
    updates.push_back(std::move(u));
  }
  state.apply(std::move(updates));
  const auto snap = state.snapshot();
  EXPECT_NE(snap->find("n1"), nullptr);
  return snap->find("n1") != nullptr ? *snap->find("n1") : fleet::Row{};
}

Policy default_policy(bool tpm = false) {
  auto p = make_policy(default_modes(), tpm, false, 30min);
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

TEST(Eligibility, EveryCcProfileByItsExpectedMode) {
  const ztp::testing::FixedClock clock;
  const auto modes = default_modes();
  const std::set<std::string> allowed(modes.begin(), modes.end());
  int eligible = 0;
  int refused = 0;
  for (const auto& p : ztp::testing::host_profiles("cc-")) {
    const auto mode = p.expected().at("mode").get<std::string>();
    const auto row = row_of(clock, {{fleet::Probe::cc, document_of(cli::cc_probe(), p)}});
    const Verdict v = decide(&row, default_policy(), clock.wall_now());
    if (allowed.count(mode) != 0) {
      ++eligible;
      EXPECT_TRUE(v.eligible) << p.name << ": " << v.detail;
      EXPECT_EQ(v.reason, Reason::eligible) << p.name;
      EXPECT_EQ(v.tee, mode) << p.name;
    } else {
      ++refused;
      EXPECT_FALSE(v.eligible) << p.name << " (" << mode << ")";
      EXPECT_EQ(v.reason, Reason::mode_not_allowed) << p.name;
      EXPECT_NE(v.detail.find(mode), std::string::npos) << v.detail;
      EXPECT_TRUE(v.tee.empty());
    }
  }
  // The sweep proves little unless both outcomes occur often.
  EXPECT_GE(eligible, 5);
  EXPECT_GE(refused, 10);
}

TEST(Eligibility, EveryTpmProfileWhenReadinessIsRequired) {
  const ztp::testing::FixedClock clock;
  const auto cc_profiles = ztp::testing::host_profiles("cc-aws-m6a-snp");
  ASSERT_EQ(cc_profiles.size(), 1u);
  const std::string cc = document_of(cli::cc_probe(), cc_profiles.front());
  int ready = 0;
  int not_ready = 0;
  for (const auto& p : ztp::testing::host_profiles("tpm-")) {
    const auto verdict = p.expected().at("readiness").at("verdict").get<std::string>();
    const auto row = row_of(
        clock, {{fleet::Probe::cc, cc}, {fleet::Probe::tpm, document_of(cli::tpm_probe(), p)}});
    const Verdict with_tpm = decide(&row, default_policy(true), clock.wall_now());
    EXPECT_EQ(with_tpm.eligible, verdict == "ready") << p.name << ": " << with_tpm.detail;
    if (verdict == "ready") {
      ++ready;
    } else {
      ++not_ready;
      EXPECT_EQ(with_tpm.reason, Reason::tpm_not_ready) << p.name;
      EXPECT_NE(with_tpm.detail.find(verdict), std::string::npos) << with_tpm.detail;
    }
    // Without the requirement the TPM does not matter.
    EXPECT_TRUE(decide(&row, default_policy(false), clock.wall_now()).eligible) << p.name;
  }
  EXPECT_GE(ready, 2);
  EXPECT_GE(not_ready, 5);
}

class EligibilityCases : public ::testing::Test {
 protected:
  ztp::testing::FixedClock clock;
  std::string snp = document_of(cli::cc_probe(), ztp::testing::host_profiles("cc-aws-m6a-snp")[0]);
};

TEST_F(EligibilityCases, NoDocumentsAtAll) {
  const Verdict v = decide(nullptr, default_policy(), clock.wall_now());
  EXPECT_FALSE(v.eligible);
  EXPECT_EQ(v.reason, Reason::no_cc_document);
}

TEST_F(EligibilityCases, TpmDocumentOnlyIsNoCcDocument) {
  const auto tpm =
      document_of(cli::tpm_probe(), ztp::testing::host_profiles("tpm-gcp-shielded-vm")[0]);
  const auto row = row_of(clock, {{fleet::Probe::tpm, tpm}});
  EXPECT_EQ(decide(&row, default_policy(), clock.wall_now()).reason, Reason::no_cc_document);
  EXPECT_EQ(decide(&row, default_policy(true), clock.wall_now()).reason, Reason::no_cc_document);
}

TEST_F(EligibilityCases, InvalidDocumentNamesTheRuleNotTheValue) {
  std::string bad = snp;
  const auto at = bad.find("\"sev-snp\"");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 9, "\"PLANTED-x\"");
  const auto row = row_of(clock, {{fleet::Probe::cc, bad}});
  const Verdict v = decide(&row, default_policy(), clock.wall_now());
  EXPECT_EQ(v.reason, Reason::invalid_document);
  EXPECT_FALSE(v.detail.empty());
  EXPECT_EQ(v.detail.find("PLANTED"), std::string::npos) << v.detail;
}

TEST_F(EligibilityCases, StaleAndFutureDocuments) {
  const auto row = row_of(clock, {{fleet::Probe::cc, snp}});
  const auto now = clock.wall_now();
  EXPECT_TRUE(decide(&row, default_policy(), now + 30min).eligible);
  const Verdict old = decide(&row, default_policy(), now + 30min + 1s);
  EXPECT_EQ(old.reason, Reason::stale);
  EXPECT_NE(old.detail.find("1800"), std::string::npos) << old.detail;
  EXPECT_EQ(decide(&row, default_policy(), now - 31min).reason, Reason::stale);
}

TEST_F(EligibilityCases, StaleTpmDocumentCountsOnlyWhenRequired) {
  const auto tpm =
      document_of(cli::tpm_probe(), ztp::testing::host_profiles("tpm-gcp-shielded-vm")[0]);
  ASSERT_NE(tpm.find("\"ready\""), std::string::npos) << "the profile is expected ready";
  auto row = row_of(clock, {{fleet::Probe::cc, snp}, {fleet::Probe::tpm, tpm}});
  row.tpm_generated_at = *row.tpm_generated_at - 2h;
  EXPECT_TRUE(decide(&row, default_policy(false), clock.wall_now()).eligible);
  EXPECT_EQ(decide(&row, default_policy(true), clock.wall_now()).reason, Reason::stale);
}

TEST_F(EligibilityCases, AttestationWhenRequired) {
  const auto row = row_of(clock, {{fleet::Probe::cc, snp}});
  auto p = make_policy({"sev-snp"}, false, true, 30min);
  ASSERT_TRUE(p);
  EXPECT_EQ(decide(&row, *p, clock.wall_now()).reason, Reason::attestation_missing);
  EXPECT_EQ(decide(&row, *p, clock.wall_now(), Attestation::failed).reason,
            Reason::attestation_failed);
  EXPECT_TRUE(decide(&row, *p, clock.wall_now(), Attestation::verified).eligible);
  // A verdict never makes a non-CC node eligible.
  auto tdx_only = make_policy({"tdx"}, false, true, 30min);
  ASSERT_TRUE(tdx_only);
  EXPECT_EQ(decide(&row, *tdx_only, clock.wall_now(), Attestation::verified).reason,
            Reason::mode_not_allowed);
}

TEST(Policy, ModesComeFromTheVocabulary) {
  EXPECT_TRUE(make_policy({"sev-snp", "tdx", "sev-snp"}, false, false, 60s));
  EXPECT_EQ(make_policy({"sev-snp", "tdx", "sev-snp"}, false, false, 60s)->allowed_modes.size(),
            2u);
  for (const char* bad : {"snp", "SEV-SNP", "", "tdx2"}) {
    const auto p = make_policy({bad}, false, false, 60s);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().kind, ErrorKind::bad_input);
    EXPECT_NE(p.error().message.find("not a CC mode"), std::string::npos);
  }
  for (const char* never : {"none", "unknown"}) {
    const auto p = make_policy({never}, false, false, 60s);
    ASSERT_FALSE(p) << never;
    EXPECT_NE(p.error().message.find("never"), std::string::npos);
  }
  EXPECT_FALSE(make_policy({}, false, false, 60s));
  EXPECT_FALSE(make_policy({"tdx"}, false, false, 0s));
  for (const auto& m : default_modes()) {
    EXPECT_TRUE(fleet::index_of(fleet::k_modes, m)) << m;
  }
}

TEST(Reason, WordsAreDistinct) {
  std::set<std::string_view> words;
  for (int i = 0; i <= static_cast<int>(Reason::not_published); ++i) {
    words.insert(to_string(static_cast<Reason>(i)));
  }
  EXPECT_EQ(words.size(), static_cast<std::size_t>(Reason::not_published) + 1);
}

// --require-attestation: the controller passes each node's verdict from the fleet model
// (the verifier's published AttestStatus) to decide().
TEST_F(EligibilityCases, ControllerPassesTheVerifiersVerdict) {
  const std::string now = format_rfc3339(clock.wall_now());
  const auto verdict = [&](const std::string& node, bool attested) {
    nlohmann::ordered_json j = {{"apiVersion", "ztp-prem.tlsstress.art/v1"},
                                {"kind", "AttestStatus"},
                                {"node", node},
                                {"attested", attested},
                                {"group", "workers"},
                                {"when", now}};
    if (!attested) {
      j["reason"] = "digest-not-approved";
    }
    return j.dump();
  };
  fleet::FleetState state(clock, 1h);
  std::vector<fleet::DocumentUpdate> updates;
  std::vector<k8s::ObjectMeta> nodes;
  const auto add = [&](const std::string& node, fleet::Probe probe, const std::string& bytes) {
    fleet::DocumentUpdate u;
    u.node = node;
    u.probe = probe;
    u.document = fleet::parse_status_document(bytes, probe, node);
    EXPECT_TRUE(u.document) << u.document.error().message;
    updates.push_back(std::move(u));
  };
  for (const char* node : {"attested", "refused", "unattested"}) {
    auto doc = nlohmann::ordered_json::parse(snp);
    doc["node"] = node;
    add(node, fleet::Probe::cc, doc.dump());
    k8s::ObjectMeta meta;
    meta.name = node;
    nodes.push_back(meta);
  }
  add("attested", fleet::Probe::attest, verdict("attested", true));
  add("refused", fleet::Probe::attest, verdict("refused", false));
  state.apply(std::move(updates));
  auto policy = make_policy(default_modes(), false, true, 30min);
  ASSERT_TRUE(policy);
  const Verdicts verdicts = verdicts_for(nodes, *state.snapshot(), *policy, clock.wall_now());
  EXPECT_TRUE(verdicts.at("attested").eligible) << verdicts.at("attested").detail;
  EXPECT_EQ(verdicts.at("refused").reason, Reason::attestation_failed);
  EXPECT_EQ(verdicts.at("unattested").reason, Reason::attestation_missing);
  // Without --require-attestation the verdict changes nothing.
  const Verdicts relaxed =
      verdicts_for(nodes, *state.snapshot(), default_policy(), clock.wall_now());
  EXPECT_TRUE(relaxed.at("refused").eligible);
  EXPECT_EQ(attestation_of(nullptr), std::nullopt);
}

}  // namespace
}  // namespace ztp::enforce
