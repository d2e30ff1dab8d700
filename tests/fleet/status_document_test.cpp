#include "fleet/status_document.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "fleet/vocabulary.h"
#include "fleet_docs.h"
#include "testlib/fixtures.h"

namespace ztp::fleet {
namespace {

using nlohmann::ordered_json;
using testing::cc_doc;
using testing::tpm_doc;

constexpr const char* k_at = "2026-11-27T19:08:49Z";

TEST(StatusDocument, ValidCcDocumentReducesToItsCounts) {
  const auto doc = parse_status_document(cc_doc("n1", k_at).dump(), Probe::cc, "n1");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->node, "n1");
  EXPECT_EQ(k_modes[static_cast<std::size_t>(doc->mode)], "sev-snp");
  EXPECT_EQ(doc->capabilities, 0b101);  // sev, sev-snp
  EXPECT_EQ(doc->wave, "wave-1");
  EXPECT_EQ(format_rfc3339(doc->generated_at), k_at);
  // The detail view keeps the node's key order.
  EXPECT_TRUE(doc->compact.starts_with(R"({"apiVersion":)"));
}

TEST(StatusDocument, ValidTpmDocumentReducesToItsCounts) {
  const auto doc = parse_status_document(tpm_doc("n1", k_at).dump(), Probe::tpm, "n1");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(k_families[static_cast<std::size_t>(doc->family)], "tpm2-rm");
  EXPECT_EQ(k_readiness[static_cast<std::size_t>(doc->readiness)], "partial");
  EXPECT_EQ(doc->missing_parts, 1U << 4);  // eventLog
}

struct Defect {
  const char* name;
  Probe probe;
  std::function<void(ordered_json&)> change;
  const char* reason;  // substring of the error
};

// gtest prints the parameter by name, not as bytes.
void PrintTo(const Defect& d, std::ostream* os) { *os << d.name; }

class DefectTest : public ::testing::TestWithParam<Defect> {};

TEST_P(DefectTest, IsRejectedWithAReason) {
  const Defect& d = GetParam();
  ordered_json doc = d.probe == Probe::cc ? cc_doc("n1", k_at) : tpm_doc("n1", k_at);
  d.change(doc);
  const auto parsed = parse_status_document(doc.dump(), d.probe, "n1");
  ASSERT_FALSE(parsed) << d.name;
  EXPECT_NE(parsed.error().message.find(d.reason), std::string::npos) << parsed.error().message;
}

const Defect k_defects[] = {
    {"api_version", Probe::cc, [](auto& j) { j["apiVersion"] = "v2"; }, "apiVersion"},
    {"kind_swapped", Probe::tpm, [](auto& j) { j["kind"] = "CCStatus"; }, "kind: not TPMStatus"},
    {"node_mismatch", Probe::cc, [](auto& j) { j["node"] = "n2"; }, "does not match"},
    {"node_bad", Probe::cc, [](auto& j) { j["node"] = "N_1"; }, "RFC 1123"},
    {"time_offset", Probe::cc, [](auto& j) { j["generatedAt"] = "2026-11-27T19:08:49+01:00"; },
     "generatedAt"},
    {"time_fraction", Probe::cc, [](auto& j) { j["generatedAt"] = "2026-11-27T19:08:49.5Z"; },
     "generatedAt"},
    {"time_feb30", Probe::cc, [](auto& j) { j["generatedAt"] = "2026-02-30T00:00:00Z"; },
     "generatedAt"},
    {"time_number", Probe::cc, [](auto& j) { j["generatedAt"] = 1764270529; }, "generatedAt"},
    {"wave", Probe::cc, [](auto& j) { j["wave"] = "wave 1"; }, "wave"},
    {"probe_name", Probe::cc, [](auto& j) { j["probe"]["name"] = "ztp-prem-tpm"; }, "probe.name"},
    {"probe_extra", Probe::cc, [](auto& j) { j["probe"]["x"] = 1; }, "probe"},
    {"signal_string", Probe::cc, [](auto& j) { j["signals"]["kvmAmdSev"] = "yes"; }, "boolean"},
    {"signal_name", Probe::tpm, [](auto& j) { j["signals"]["Bad-Name"] = true; }, "signals"},
    {"evidence_empty", Probe::cc, [](auto& j) { j["evidence"] = ordered_json::array(); },
     "evidence"},
    {"evidence_long", Probe::cc, [](auto& j) { j["evidence"] = {std::string(513, 'e')}; },
     "evidence"},
    {"enforcement", Probe::cc, [](auto& j) { j["enforcement"] = "strict"; }, "enforcement"},
    {"mode", Probe::cc, [](auto& j) { j["mode"] = "sev-tio"; }, "mode"},
    {"mode_missing", Probe::cc, [](auto& j) { j.erase("mode"); }, "mode: missing"},
    {"caps_dup", Probe::cc,
     [](auto& j) {
       j["hostCapabilities"] = {"sev", "sev"};
     },
     "duplicate"},
    {"caps_word", Probe::cc, [](auto& j) { j["hostCapabilities"] = {"tdx2"}; }, "vocabulary"},
    {"cc_signal_missing", Probe::cc, [](auto& j) { j["signals"].erase("kvmIntelTdx"); },
     "kvmIntelTdx"},
    {"unknown_property", Probe::cc, [](auto& j) { j["pcr0"] = "00"; }, "unknown top-level"},
    {"family", Probe::tpm, [](auto& j) { j["family"] = "tpm3"; }, "family"},
    {"verdict", Probe::tpm, [](auto& j) { j["readiness"]["verdict"] = "maybe"; },
     "readiness.verdict"},
    {"missing_word", Probe::tpm, [](auto& j) { j["readiness"]["missing"] = {"pcrs"}; },
     "readiness.missing"},
    {"measured_boot", Probe::tpm, [](auto& j) { j["measuredBoot"] = true; }, "measuredBoot"},
    {"measured_boot_extra", Probe::tpm, [](auto& j) { j["measuredBoot"]["pcr0"] = "00"; },
     "measuredBoot"},
    {"firmware_table", Probe::tpm, [](auto& j) { j["measuredBoot"]["firmwareTable"] = "TPM3"; },
     "firmwareTable"},
    {"pcr_bank_dup", Probe::tpm,
     [](auto& j) {
       j["measuredBoot"]["pcrBanks"] = {"sha256", "sha256"};
     },
     "pcrBanks"},
    {"pcr_bank_name", Probe::tpm, [](auto& j) { j["measuredBoot"]["pcrBanks"] = {"SHA 256"}; },
     "pcrBanks"},
    {"ready_but_missing", Probe::tpm, [](auto& j) { j["readiness"]["verdict"] = "ready"; },
     "verdict ready"},
    {"partial_nothing_missing", Probe::tpm,
     [](auto& j) { j["readiness"]["missing"] = ordered_json::array(); }, "verdict ready"},
    {"unknown_but_missing", Probe::tpm, [](auto& j) { j["readiness"]["verdict"] = "unknown"; },
     "verdict ready or unknown"},
    {"readiness_extra", Probe::tpm, [](auto& j) { j["readiness"]["why"] = "x"; }, "readiness"},
    {"tpm_signal_missing", Probe::tpm, [](auto& j) { j["signals"].erase("eventLog"); }, "eventLog"},
};

INSTANTIATE_TEST_SUITE_P(All, DefectTest, ::testing::ValuesIn(k_defects),
                         [](const auto& p) { return std::string(p.param.name); });

// tpmstatus.v1 "unknown": a TPM 2.0 whose event log could not be checked lacks nothing known.
TEST(StatusDocument, UnknownReadinessComesWithNothingMissing) {
  auto j = tpm_doc("n1", k_at);
  j["readiness"] = {{"verdict", "unknown"}, {"missing", ordered_json::array()}};
  const auto doc = parse_status_document(j.dump(), Probe::tpm, "n1");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->readiness, static_cast<int>(vocab::TpmReadiness::unknown));
  EXPECT_EQ(doc->missing_parts, 0U);
}

TEST(StatusDocument, HostileBytesAreRejectedNotThrown) {
  const std::string too_big(k_max_document_bytes + 1, ' ');
  EXPECT_NE(parse_status_document(too_big, Probe::cc, "n1").error().message.find("64 KiB"),
            std::string::npos);
  EXPECT_NE(parse_status_document("", Probe::cc, "n1").error().message.find("empty"),
            std::string::npos);
  const std::string full = cc_doc("n1", k_at).dump(2);
  EXPECT_NE(parse_status_document(full.substr(0, full.size() / 2), Probe::cc, "n1")
                .error()
                .message.find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(parse_status_document(std::string(60000, '['), Probe::cc, "n1")
                .error()
                .message.find("nested"),
            std::string::npos);
  EXPECT_NE(parse_status_document("[1,2]", Probe::cc, "n1").error().message.find("object"),
            std::string::npos);
  // Brackets inside strings do not count as nesting.
  auto doc = cc_doc("n1", k_at);
  doc["evidence"] = {std::string(100, '[')};
  EXPECT_TRUE(parse_status_document(doc.dump(), Probe::cc, "n1"));
  EXPECT_FALSE(parse_status_document("{\"a\":\"\xff\"}", Probe::cc, "n1"));
}

TEST(StatusDocument, CompactTextIsTheDocumentWithoutWhitespace) {
  // The detail view stores the node's document as compact text, key order kept, whatever
  // the whitespace the agent wrote (issue 10: no DOM, no re-serialisation).
  const auto doc = cc_doc("n1", k_at);
  for (const int indent : {-1, 0, 2, 4}) {
    const auto parsed = parse_status_document(doc.dump(indent), Probe::cc, "n1");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->compact, doc.dump()) << indent;
  }
  const auto with_bom = parse_status_document("\xEF\xBB\xBF" + doc.dump(2), Probe::cc, "n1");
  ASSERT_TRUE(with_bom) << with_bom.error().message;
  EXPECT_EQ(with_bom->compact, doc.dump());
  // Whitespace between two bare tokens is kept, so it stays invalid.
  auto broken = doc.dump();
  broken.replace(broken.find("false"), 5, "fal se");
  EXPECT_NE(parse_status_document(broken, Probe::cc, "n1").error().message.find("not valid JSON"),
            std::string::npos);
}

TEST(StatusDocument, RepeatedPropertiesAreInvalid) {
  // JSON readers disagree on which of two equal names counts (RFC 8259 section 4).
  const std::string text = cc_doc("n1", k_at).dump();
  for (const std::string& repeated :
       {std::string(R"("mode":"tdx",)"), std::string(R"("probe":{"name":"x","version":"1"},)")}) {
    std::string doc = text;
    doc.insert(1, repeated);
    const auto parsed = parse_status_document(doc, Probe::cc, "n1");
    ASSERT_FALSE(parsed) << repeated;
    EXPECT_NE(parsed.error().message.find("appears twice"), std::string::npos);
  }
  std::string signals = text;
  signals.insert(signals.find(R"("kvmAmdSev")"), R"("kvmAmdSev":true,)");
  EXPECT_NE(parse_status_document(signals, Probe::cc, "n1").error().message.find("appears twice"),
            std::string::npos);
}

TEST(StatusDocument, ReasonsNeverQuoteTheNodesValues) {
  // A space makes the value invalid for every one of these fields.
  const std::string planted = "planted " + std::string(testing::k_planted_marker);
  for (const char* field : {"node", "mode", "generatedAt", "wave", "kind", "apiVersion"}) {
    auto doc = cc_doc("n1", k_at);
    doc[field] = planted;
    const auto parsed = parse_status_document(doc.dump(), Probe::cc, "n1");
    ASSERT_FALSE(parsed) << field;
    EXPECT_EQ(parsed.error().message.find("PLANTED"), std::string::npos) << field;
  }
  auto doc = cc_doc("n1", k_at);
  doc[planted] = true;
  EXPECT_EQ(parse_status_document(doc.dump(), Probe::cc, "n1").error().message.find("PLANTED"),
            std::string::npos);
}

TEST(StatusDocument, Rfc3339RoundTripsAndRejectsImpossibleDates) {
  for (const char* t : {"2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "2099-12-31T12:00:00Z"}) {
    const auto parsed = parse_rfc3339(t);
    ASSERT_TRUE(parsed) << t;
    EXPECT_EQ(format_rfc3339(*parsed), t);
  }
  for (const char* t : {"2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
                        "2026-01-01 00:00:00Z", "2026-01-01T00:00:00z", ""}) {
    EXPECT_FALSE(parse_rfc3339(t)) << t;
  }
  // BUG-5: dates that would wrap the 64-bit nanosecond clock are refused, never wrapped.
  for (const char* t : {"9999-12-31T23:59:59Z", "2300-01-01T00:00:00Z", "2262-04-12T00:00:00Z",
                        "1677-09-21T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(t)) << t;
  }
  for (const char* t : {"2262-04-11T00:00:00Z", "1677-09-22T00:00:00Z"}) {
    const auto parsed = parse_rfc3339(t);
    ASSERT_TRUE(parsed) << t;
    EXPECT_EQ(format_rfc3339(*parsed), t);
  }
}

TEST(StatusDocument, FileNamesFollowThePublishDirContract) {
  const auto cc = parse_document_file_name("worker-1.example.com.cc.json");
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->node, "worker-1.example.com");
  EXPECT_EQ(cc->probe, Probe::cc);
  const auto tpm = parse_document_file_name("n1.tpm.json");
  ASSERT_TRUE(tpm);
  EXPECT_EQ(tpm->probe, Probe::tpm);
  for (const char* name : {".n1.cc.json.tmp", "n1.cc.json.tmp", ".cc.json", "N1.cc.json", "n1.json",
                           "-n1.tpm.json", "n1..cc.json", "a/b.cc.json"}) {
    EXPECT_FALSE(parse_document_file_name(name)) << name;
  }
  EXPECT_EQ(document_file_name("n1", Probe::tpm), "n1.tpm.json");
  // Node names themselves: tests/common/k8s_names_test.cpp (one validator for every binary).
  EXPECT_FALSE(parse_document_file_name(std::string(254, 'a') + ".cc.json"));
}

// The probes' real output, run on every host profile, passes the fleet's validator.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
    out.append(buf, n);
  }
  ::pclose(pipe);
  return out;
}

TEST(StatusDocument, RealProbeOutputsOnEveryHostProfileValidate) {
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::hosts_dir())) {
    const auto profile = entry.path();
    const std::string name = profile.filename().string();
    for (const auto& [probe, binary] :
         {std::pair{Probe::cc, "ztp-prem-detect"}, std::pair{Probe::tpm, "ztp-prem-tpm"}}) {
      const auto exe = testing::bin_dir() / binary;
      if (!std::filesystem::exists(exe)) {
        continue;  // ztp-prem-tpm arrives with the tpm branch
      }
      std::string cmd =
          exe.string() + " --host-root '" + (profile / "root").string() + "' --node fleet-check";
      if (probe == Probe::cc) {
        const auto cpuid = profile / "cpuid.txt";
        cmd += " --cpuid-file '" +
               (std::filesystem::exists(cpuid) ? cpuid.string() : std::string("/dev/null")) + "'";
        if (std::filesystem::exists(profile / "msr.txt")) {
          cmd += " --msr-file '" + (profile / "msr.txt").string() + "'";
        }
      }
      const std::string output = run(cmd + " 2>/dev/null");
      const auto doc = parse_status_document(output, probe, "fleet-check");
      EXPECT_TRUE(doc) << name << " " << binary << ": " << doc.error().message;
      ++checked;
    }
  }
  EXPECT_GE(checked, 35U);
}

}  // namespace
}  // namespace ztp::fleet
