#include "report/document.h"

#include <gtest/gtest.h>

#include "report/cc_status.h"

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
