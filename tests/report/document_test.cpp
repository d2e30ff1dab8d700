#include "report/document.h"

#include <gtest/gtest.h>

#include "report/cc_status.h"
#include "report/digest.h"

namespace ztp::report {
namespace {

Document sample() {
  Envelope e;
  e.node = "worker-1";
  e.generated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1778580000));
  e.wave = "w42";
  e.probe = {"ztp-prem-detect", "0.1.0"};
  cc::CcDetection d;
  d.mode = cc::GuestMode::sev_snp;
  d.host_capabilities = {cc::HostCapability::sev, cc::HostCapability::sev_es};
  d.findings.signal("hypervisorPresent", true);
  d.findings.signal("cpuTdxGuestLeaf", false);
  d.findings.note("guest: SEV_STATUS MSR 0xc0010131 readable: SEV-SNP active");
  return make_cc_status(e, std::move(d));
}

TEST(FormatRfc3339, UtcSecondPrecision) {
  EXPECT_EQ(format_rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(0))),
            "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(1778580000))),
            "2026-05-12T10:00:00Z");
}

TEST(CcStatus, JsonCarriesEveryFieldInDocumentOrder) {
  const auto j = to_json(sample());
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    keys.push_back(k);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"apiVersion", "kind", "node", "generatedAt", "wave",
                                            "probe", "mode", "hostCapabilities", "signals",
                                            "evidence", "enforcement"}));
  EXPECT_EQ(j["apiVersion"], "ztp-prem.tlsstress.art/v1");
  EXPECT_EQ(j["kind"], "CCStatus");
  EXPECT_EQ(j["generatedAt"], "2026-05-12T10:00:00Z");
  EXPECT_EQ(j["probe"]["name"], "ztp-prem-detect");
  EXPECT_EQ(j["mode"], "sev-snp");
  EXPECT_EQ(j["hostCapabilities"], nlohmann::ordered_json::parse(R"(["sev","sev-es"])"));
  EXPECT_EQ(j["signals"]["hypervisorPresent"], true);
  EXPECT_EQ(j["signals"]["cpuTdxGuestLeaf"], false);
  EXPECT_EQ(j["enforcement"], "advisory");
  EXPECT_EQ(render_json(sample()).back(), '\n');
}

TEST(CcStatus, TextIsAlignedLinesForPeople) {
  const std::string text = render_text(sample());
  EXPECT_NE(text.find("mode                       sev-snp\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hostCapabilities           sev, sev-es\n"), std::string::npos) << text;
  EXPECT_NE(text.find("signals (true)             hypervisorPresent\n"), std::string::npos) << text;
  EXPECT_NE(text.find("enforcement                advisory\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("cpuTdxGuestLeaf"), std::string::npos);  // only true signals listed
}

TEST(CcStatus, EmptyCapabilitiesRenderAsNone) {
  Document d = sample();
  d.body["hostCapabilities"] = nlohmann::ordered_json::array();
  EXPECT_NE(render_text(d).find("hostCapabilities           (none)"), std::string::npos);
  EXPECT_TRUE(to_json(d)["hostCapabilities"].is_array());
}

}  // namespace
}  // namespace ztp::report

namespace ztp::report {
namespace {

TEST(AuditHead, OptionalFieldComesLastAndOnlyWhenSet) {
  Document d = sample();
  EXPECT_FALSE(to_json(d).contains("auditHead"));
  d.envelope.audit_head = AuditHeadRef{41, "sha256:" + std::string(64, 'c'), false};
  const auto j = to_json(d);
  EXPECT_EQ(j.back(), nlohmann::ordered_json::parse(R"({"seq":41,"hash":"sha256:)" +
                                                    std::string(64, 'c') + R"(","state":"ok"})"));
  d.envelope.audit_head->stalled = true;
  EXPECT_EQ(to_json(d)["auditHead"]["state"], "stalled");
  const std::string text = render_text(d);
  const auto line = text.find("\nauditHead ");
  ASSERT_NE(line, std::string::npos) << text;
  EXPECT_EQ(text.find(" 41 sha256:cc", line), text.find_first_not_of(' ', line + 10) - 1) << text;
  EXPECT_NE(text.find("(stalled)\n", line), std::string::npos) << text;
}

TEST(ContentDigest, IgnoresGeneratedAtAndAuditHeadButNothingElse) {
  Document d = sample();
  const std::string digest = content_digest(d).value();
  EXPECT_EQ(digest.rfind("sha256:", 0), 0u);
  EXPECT_EQ(digest.size(), 7u + 64u);
  d.envelope.generated_at += std::chrono::hours(5);
  d.envelope.audit_head = AuditHeadRef{3, "sha256:" + std::string(64, 'd'), false};
  EXPECT_EQ(content_digest(d).value(), digest);
  Document changed = sample();
  changed.body["mode"] = "tdx";
  EXPECT_NE(content_digest(changed).value(), digest);
  changed = sample();
  changed.envelope.wave = "w43";
  EXPECT_NE(content_digest(changed).value(), digest);
  changed = sample();
  changed.findings.signals.back().second = true;
  EXPECT_NE(content_digest(changed).value(), digest);
  // Canonical: sorted keys, no whitespace, no generatedAt.
  const std::string canonical = canonical_content(sample());
  EXPECT_EQ(canonical.find("generatedAt"), std::string::npos);
  EXPECT_EQ(canonical.find(' '), canonical.find("guest: ") + 6);  // only inside evidence text
  EXPECT_LT(canonical.find("\"apiVersion\""), canonical.find("\"enforcement\""));
}

}  // namespace
}  // namespace ztp::report
