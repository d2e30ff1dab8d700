// Audit records bound to TPM quotes, on a real TPM (swtpm on loopback through ESAPI):
// the AK is stable and well-formed, appends carry quotes that verify off the node, a PCR
// extend between appends shows as a boot-state change at that seq, and `verify --ak`
// rejects every way of faking a quote the research note lists (attest.md sections 0.1,
// 8.4). Skips when swtpm is not installed.
#include <gtest/gtest.h>

#include <tss2/tss2_tpm2_types.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "audit/audit_fixture.h"
#include "audit/show.h"
#include "esapi/attestation.h"
#include "esapi/audit_quoter.h"
#include "esapi/esapi_session.h"
#include "esapi/swtpm_process.h"
#include "testlib/fixtures.h"
#include "tpmquote/boot_quote.h"

namespace ztp::tpmquote {
namespace {

using audit::testing::LogFixture;
using std::chrono::seconds;
using ztp::testing::SwtpmProcess;

std::unique_ptr<SwtpmProcess> start_tpm() {
  const auto exe = SwtpmProcess::find_executable();
  if (!exe) {
    return nullptr;
  }
  auto tpm = SwtpmProcess::start(*exe);
  EXPECT_TRUE(tpm) << (tpm ? "" : tpm.error().message);
  if (!tpm) {
    return nullptr;
  }
  auto session = esapi::Session::open((*tpm)->tcti_config());
  EXPECT_TRUE(session && session->startup_clear());
  return std::move(*tpm);
}

AkPublic ak_of(const SwtpmProcess& tpm) {
  auto session = esapi::Session::open(tpm.tcti_config());
  EXPECT_TRUE(session);
  auto pub = esapi::attestation_key_public(*session);
  EXPECT_TRUE(pub) << (pub ? "" : pub.error().message);
  auto ak = ak_from_public(pub.value_or(""));
  EXPECT_TRUE(ak) << (ak ? "" : ak.error().message);
  return ak.value_or(AkPublic{});
}

// tpm2-tools extends PCR index with data (a kernel swap, in a test).
void pcr_extend(const SwtpmProcess& tpm, int index, const std::string& data) {
  const auto digest = audit::sha256(data).value();
  const auto r =
      ztp::testing::run_command({"tpm2_pcrextend", "-T", tpm.tcti_config(),
                                 std::to_string(index) + ":sha256=" + audit::to_hex(digest)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// Every non-zero sha256 PCR value the TPM holds, as tpm2_pcrread prints them (hex).
std::set<std::string> pcr_values(const SwtpmProcess& tpm) {
  const auto r = ztp::testing::run_command(
      {"tpm2_pcrread", "-T", tpm.tcti_config(), "sha256:0,1,2,3,4,5,6,7,8,9,10,16,23"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> values;
  const std::regex hex("0x([0-9A-F]{64})");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), hex);
       it != std::sregex_iterator(); ++it) {
    const std::string v = (*it)[1];
    if (v != std::string(64, '0')) {
      values.insert(v);
    }
  }
  return values;
}

PcrSelection default_selection() { return parse_pcr_selection(k_default_selection).value(); }

// A log whose entries are quoted by tpm, all in one epoch (1 s apart).
struct QuotedLog {
  explicit QuotedLog(const SwtpmProcess& tpm)
      : quoter(esapi::make_audit_quoter(tpm.tcti_config(), "sha256:0-7").value()) {}
  void append(int n) {
    audit::AuditOptions options;
    options.quote = quoter;
    auto log = fixture.open(options);
    fixture.append(log, n, seconds(1));
  }
  audit::VerifyReport verify(const AkPublic& ak) {
    auto report = audit::verify_log(fixture.dir(), fixture.k0(), std::nullopt, fixture.clock(),
                                    boot_quote_check(ak, default_selection()).value());
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    return report.value_or(audit::VerifyReport{});
  }
  // Rewrites the entry at line index with change applied, re-hashed and re-sealed with its
  // epoch key, as someone holding that key could: only the quote check can object.
  void forge_line(std::size_t index, const std::function<void(audit::Record&)>& change) {
    auto lines = fixture.lines();
    audit::Record r = audit::testing::parse(lines.at(index));
    change(r);
    const auto key = audit::evolve_key(fixture.k0(), 0, r.epoch).value();
    lines[index] = audit::testing::forge(r, key);
    fixture.write_lines(lines);
  }
  std::size_t entry_line(std::size_t nth) {
    const auto lines = fixture.lines();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (audit::testing::parse(lines[i]).type == audit::RecordType::entry && nth-- == 0) {
        return i;
      }
    }
    ADD_FAILURE() << "no such entry";
    return 0;
  }
  LogFixture fixture;
  audit::BootQuoter quoter;
};

void expect_bad_quote(const audit::VerifyReport& report, std::uint64_t seq,
                      const std::string& detail) {
  ASSERT_TRUE(report.bad.has_value());
  EXPECT_EQ(report.bad->damage, audit::Damage::bad_quote) << report.bad->detail;
  EXPECT_EQ(report.bad->seq, seq);
  EXPECT_NE(report.bad->detail.find(detail), std::string::npos) << report.bad->detail;
}

TEST(AttestationKey, IsTheSameRestrictedOwnerKeyEveryTime) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  const AkPublic first = ak_of(*tpm);
  const AkPublic second = ak_of(*tpm);
  EXPECT_EQ(first.public_area, second.public_area);
  EXPECT_EQ(first.name.size(), 34u);
  EXPECT_EQ(first.name.substr(0, 2), std::string("\x00\x0b", 2));
  auto file = parse_ak_file(ak_file_text(first));
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->name, first.name);
  // Another TPM (another owner seed) has another AK.
  auto other = start_tpm();
  EXPECT_NE(ak_of(*other).name, first.name);
}

TEST(Quote, DigestIsOverTheSelectedPcrsAndSignatureVerifies) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  auto session = esapi::Session::open(tpm->tcti_config());
  ASSERT_TRUE(session);
  const std::string nonce(32, '\x5a');
  auto q = esapi::quote(*session, default_selection(), nonce);
  ASSERT_TRUE(q) << q.error().message;
  const auto ak = ak_from_public(q->ak_public).value();
  EXPECT_TRUE(verify_quote_signature(ak, q->attest, q->signature));
  auto body = parse_quote_attest(q->attest);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->extra_data, nonce);
  EXPECT_EQ(body->signed_selection, marshal_selection(default_selection()).value());
  // swtpm PCRs start at zero (no firmware): the digest is SHA-256 of eight zero values.
  const auto zeros = audit::sha256(std::string(8 * 32, '\0')).value();
  EXPECT_EQ(body->pcr_digest, std::string(reinterpret_cast<const char*>(zeros.data()), 32));
  // Three quotes in a row: every object is flushed (swtpm holds three).
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(esapi::quote(*session, default_selection(), nonce));
  }
}

TEST(QuotedAudit, PcrExtendShowsAsBootStateChangeAndVerifyStaysClean) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  QuotedLog log(*tpm);
  log.append(3);
  pcr_extend(*tpm, 4, "another kernel");
  log.append(2);
  const std::uint64_t changed = audit::testing::parse(log.fixture.lines()[log.entry_line(3)]).seq;

  const auto report = log.verify(ak_of(*tpm));
  EXPECT_TRUE(report.clean()) << report.bad->detail;
  EXPECT_EQ(report.quoted, 5u);
  EXPECT_EQ(report.unquoted, 0u);
  EXPECT_EQ(report.boot_changes, std::vector<std::uint64_t>{changed});

  std::ostringstream shown;
  auto stats = audit::show_log(log.fixture.dir(), audit::ShowFormat::text, shown);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->boot_changes, 1u);
  EXPECT_NE(shown.str().find("boot state changed at seq " + std::to_string(changed) + "\n"),
            std::string::npos)
      << shown.str();

  // Reopening reads the history back: the published boot state survives a restart.
  audit::AuditOptions options;
  options.quote = log.quoter;
  auto reopened = log.fixture.open(options);
  EXPECT_TRUE(reopened.boot_state().quoted);
  EXPECT_EQ(reopened.boot_state().changed_at, changed);
}

TEST(QuotedAudit, AQuoteFailureAppendsUnquotedAndSaysSo) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  QuotedLog log(*tpm);
  log.append(1);
  tpm.reset();  // the TPM goes away
  log.append(1);
  audit::AuditOptions options;
  options.quote = log.quoter;
  EXPECT_FALSE(log.fixture.open(options).boot_state().quoted);
  // The agent's log says so, as one JSON line of its own event.
  const auto said = log.fixture.log_events("audit.quote_failed");
  ASSERT_FALSE(said.empty());
  EXPECT_EQ(said.front().value("message", ""), "entry appended unquoted");
}

class QuoteForgery : public ::testing::Test {
 protected:
  void SetUp() override {
    m_tpm = start_tpm();
    if (!m_tpm) {
      GTEST_SKIP() << "swtpm is not installed";
    }
    m_log.emplace(*m_tpm);
    m_log->append(3);
    m_ak = ak_of(*m_tpm);
    m_target = m_log->entry_line(1);
    m_target_record = audit::testing::parse(m_log->fixture.lines()[m_target]);
    ASSERT_TRUE(m_log->verify(m_ak).clean());
  }
  // A real quote by this TPM over a raw selection, bound to the target's place.
  audit::BootQuote raw_quote(const TPML_PCR_SELECTION& selection) {
    auto session = esapi::Session::open(m_tpm->tcti_config());
    const audit::Bytes32& prev = m_target_record.prev;
    auto q = esapi::quote_raw(*session, selection,
                              std::string_view(reinterpret_cast<const char*>(prev.data()), 32));
    EXPECT_TRUE(q) << (q ? "" : q.error().message);
    audit::BootQuote b = *m_target_record.boot;
    b.attest = q->attest;
    b.signature = q->signature;
    const auto body = parse_quote_attest(q->attest).value();
    std::copy(body.pcr_digest.begin(), body.pcr_digest.end(), b.pcr_digest.begin());
    return b;
  }
  void expect_rejected(const std::function<void(audit::Record&)>& change,
                       const std::string& detail) {
    m_log->forge_line(m_target, change);
    expect_bad_quote(m_log->verify(m_ak), m_target_record.seq, detail);
  }
  std::unique_ptr<SwtpmProcess> m_tpm;
  std::optional<QuotedLog> m_log;
  AkPublic m_ak;
  std::size_t m_target = 0;
  audit::Record m_target_record;
};

TEST_F(QuoteForgery, SwappedWithAnotherRecordsQuote) {
  const auto other = audit::testing::parse(m_log->fixture.lines()[m_log->entry_line(2)]);
  expect_rejected([&](audit::Record& r) { r.boot = other.boot; },
                  "extraData is not the previous record's hash");
}

TEST_F(QuoteForgery, RepeatedBankSelection) {
  // sha256 {0-3} then sha256 {4-7}: the same eight values in the same order, so the same
  // digest; only the signed selection tells (research note attest.md section 0.1).
  TPML_PCR_SELECTION split{};
  split.count = 2;
  split.pcrSelections[0] = {TPM2_ALG_SHA256, 3, {0x0f, 0, 0}};
  split.pcrSelections[1] = {TPM2_ALG_SHA256, 3, {0xf0, 0, 0}};
  const audit::BootQuote forged = raw_quote(split);
  EXPECT_EQ(forged.pcr_digest, m_target_record.boot->pcr_digest);
  expect_rejected([&](audit::Record& r) { r.boot = forged; }, "signed PCR selection");
}

TEST_F(QuoteForgery, ReorderedBankSelection) {
  TPML_PCR_SELECTION reordered{};
  reordered.count = 2;
  reordered.pcrSelections[0] = {TPM2_ALG_SHA256, 3, {0xf0, 0, 0}};
  reordered.pcrSelections[1] = {TPM2_ALG_SHA256, 3, {0x0f, 0, 0}};
  const audit::BootQuote forged = raw_quote(reordered);
  expect_rejected([&](audit::Record& r) { r.boot = forged; }, "signed PCR selection");
}

TEST_F(QuoteForgery, QuoteByAnotherAk) {
  auto other = start_tpm();
  auto quoter = esapi::make_audit_quoter(other->tcti_config(), "sha256:0-7").value();
  const audit::BootQuote foreign = quoter(m_target_record.prev).value();
  expect_rejected([&](audit::Record& r) { r.boot = foreign; }, "another AK");
  // The same with this AK's name written over it: the signature then fails.
  m_log->forge_line(m_target, [&](audit::Record& r) {
    r.boot = foreign;
    r.boot->ak_name = m_ak.name;
  });
  expect_bad_quote(m_log->verify(m_ak), m_target_record.seq, "signature");
}

TEST_F(QuoteForgery, FlippedByteInAttest) {
  expect_rejected([](audit::Record& r) { r.boot->attest[40] ^= 0x01; }, "signature");
}

TEST_F(QuoteForgery, FlippedByteInSignature) {
  expect_rejected([](audit::Record& r) { r.boot->signature.back() ^= 0x01; }, "signature");
}

TEST_F(QuoteForgery, PcrDigestFieldDisagreesWithTheSignedOne) {
  expect_rejected([](audit::Record& r) { r.boot->pcr_digest[0] ^= 0x01; }, "pcrDigest");
}

TEST_F(QuoteForgery, OtherSelectionNamed) {
  expect_rejected([](audit::Record& r) { r.boot->pcrs = "sha256:0-6"; }, "selection");
}

TEST_F(QuoteForgery, CliExitsThreeNamingTheRecord) {
  m_log->forge_line(m_target, [](audit::Record& r) { r.boot->signature.back() ^= 0x01; });
  ztp::testing::TempTree tree;
  const auto ak_file = tree.root() / "ak.json";
  tree.write("ak.json", ak_file_text(m_ak));
  const auto r = ztp::testing::run_command({(ztp::testing::bin_dir() / "ztp-prem-audit").string(),
                                            "verify", m_log->fixture.dir().string(), "--key",
                                            m_log->fixture.key_text(), "--ak", ak_file.string()});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("TAMPERED: bad quote at audit-00000001.jsonl:"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(seq " + std::to_string(m_target_record.seq) + ")"), std::string::npos)
      << r.output;
}

// The planted-identifier sweep for quoting: the real binaries (agent with --quote-pcrs,
// ztp-prem-audit show and verify) never write a PCR value the TPM holds, in any encoding,
// to any output, log, document or audit file; the AK name stays out of what is published.
TEST(QuotedAgentBinary, NoPcrValueInAnyOutput) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  for (const int pcr : {0, 1, 4, 7, 9, 16}) {
    pcr_extend(*tpm, pcr, "PLANTED-pcr-" + std::to_string(pcr));
  }
  const std::set<std::string> values = pcr_values(*tpm);
  ASSERT_GE(values.size(), 6u);
  ztp::testing::TempTree tree;
  tree.write("host/.keep", "");
  tree.write("out/.keep", "");
  const auto bin = ztp::testing::bin_dir();
  const std::string audit_dir = (tree.root() / "audit").string();
  const std::string out_dir = (tree.root() / "out").string();
  std::string outputs;
  auto run = [&](const std::vector<std::string>& argv, int expected) {
    const auto r = ztp::testing::run_command(argv);
    EXPECT_EQ(r.exit_code, expected) << r.output;
    outputs += r.output;
    return r.output;
  };
  run({(bin / "ztp-prem-audit").string(), "setup", "--dir", audit_dir}, 0);
  std::smatch key_match;
  ASSERT_TRUE(std::regex_search(outputs, key_match, std::regex("ztp-audit-v1:[0-9a-f]{64}")));
  const std::string key = key_match[0];
  const std::string ak_file = (tree.root() / "ak.json").string();
  run({(bin / "ztp-prem-tpm").string(), "ak", "--tcti", tpm->tcti_config(), "--out", ak_file}, 0);
  for (int i = 0; i < 2; ++i) {
    run({(bin / "ztp-prem-tpm").string(), "--host-root", (tree.root() / "host").string(), "--node",
         "n1", "--audit-dir", audit_dir, "--quote-pcrs", "sha256:0-7", "--tcti", tpm->tcti_config(),
         "--publish", "dir:" + out_dir, "--publish", "stdout"},
        0);
  }
  const std::string published = ztp::testing::read_file(tree.root() / "out" / "n1.tpm.json");
  const auto doc = nlohmann::json::parse(published);
  EXPECT_EQ(doc["bootState"]["quoted"], true) << published;
  EXPECT_FALSE(doc["bootState"].contains("changedAt")) << published;
  EXPECT_EQ(published.find("pcrDigest"), std::string::npos);
  run({(bin / "ztp-prem-audit").string(), "show", audit_dir}, 0);
  // jsonl is the audit file verbatim (akName included): swept for PCR values only.
  const std::string jsonl =
      run({(bin / "ztp-prem-audit").string(), "show", audit_dir, "--format", "jsonl"}, 0);
  const std::string verified = run(
      {(bin / "ztp-prem-audit").string(), "verify", audit_dir, "--key", key, "--ak", ak_file}, 0);
  EXPECT_NE(verified.find("quotes: 2 entries quoted"), std::string::npos) << verified;

  std::string everything = outputs + published;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tree.root())) {
    if (entry.is_regular_file()) {
      everything += ztp::testing::read_file(entry.path());
    }
  }
  for (const auto& hex : values) {
    std::string lower = hex;
    for (char& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const std::string raw = audit::bytes_from_hex(lower).value();
    for (const std::string& form : {hex, lower, raw, audit::to_base64(raw)}) {
      EXPECT_EQ(everything.find(form), std::string::npos) << "PCR value " << hex << " leaked";
    }
  }
  // The AK name identifies the TPM: in the node-local audit log and the AK file only.
  const std::string ak_hex = audit::to_hex(ak_of(*tpm).name);
  const std::string shown =
      outputs.substr(0, outputs.find(jsonl)) + outputs.substr(outputs.find(jsonl) + jsonl.size());
  EXPECT_EQ((shown + published).find(ak_hex), std::string::npos);
}

}  // namespace
}  // namespace ztp::tpmquote
