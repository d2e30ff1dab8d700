// The node's sealed local cache (issue 14 item 2) on a real TPM (swtpm through ESAPI) and a
// real verifier: released once, then unsealed from the cache with the verifier stopped and
// after a TPM restart into the same state; a PCR extend makes the cache useless and the
// verifier refuses; a TPM clock past the expiry refuses the cache; another TPM cannot open
// it; the cache file and everything next to it hold no PCR value, digest or secret in clear.
// Skips when swtpm is not installed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <tss2/tss2_esys.h>

#include <filesystem>

#include "attest/attest_harness.h"
#include "attest/sealed_cache.h"
#include "attest/sealed_file.h"
#include "audit/crypto.h"
#include "esapi/esapi_session.h"
#include "esapi/sealing.h"
#include "testlib/fixtures.h"

namespace ztp::attest {
namespace {

using testing::Harness;
using testing::pcr_extend;
using testing::pcr_values;
using testing::start_tpm;
using ztp::testing::read_file;
using ztp::testing::SwtpmProcess;

// A verifier that approved the TPM's current boot state for g1 and holds secret s1.
std::unique_ptr<Harness> approved_verifier(const SwtpmProcess& tpm, const std::string& secret) {
  auto h = std::make_unique<Harness>();
  auto first = attest_node(h->node(tpm, "n1"));
  EXPECT_TRUE(first && !*first);
  h->approve_presented("n1");
  h->put_secret("s1", secret);
  return h;
}

// TPM2_ClockSet (owner): moves the TPM clock forward by ms (Part 3 section 29.2).
void advance_clock(const SwtpmProcess& tpm, std::uint64_t ms) {
  auto session = esapi::Session::open(tpm.tcti_config()).value();
  const auto now = esapi::tpm_clock(session).value();
  ASSERT_EQ(Esys_ClockSet(session.context(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                          ESYS_TR_NONE, now + ms),
            TSS2_RC_SUCCESS);
}

struct Node {
  std::string bin = ZTP_BIN_DIR;
  ztp::testing::TempTree dir;
  std::string out() const { return dir.str() + "/secret"; }
  std::string cache() const { return dir.str() + "/secret.sealed"; }
  ztp::testing::CommandOutput attest(const SwtpmProcess& tpm, const std::string& url,
                                     const std::string& ca,
                                     std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {bin + "/ztp-prem-tpm",
                                     "attest",
                                     "--verifier",
                                     url,
                                     "--ca",
                                     ca,
                                     "--tcti",
                                     tpm.tcti_config(),
                                     "--node",
                                     "n1",
                                     "--group",
                                     "g1",
                                     "--secret",
                                     "s1",
                                     "--out",
                                     out(),
                                     "--force",
                                     "--timeout-ms",
                                     "2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ztp::testing::run_command(argv);
  }
};

TEST(SealedCache, ReleasedOnceThenUnsealedWithTheVerifierStoppedAndAfterARestart) {
  ztp::testing::TempTree tpm_state;
  auto tpm = start_tpm(tpm_state.str());
  REQUIRE_SWTPM(tpm);
  Node node;
  auto h = approved_verifier(*tpm, "cached-secret-value");
  const std::string url = h->url();
  ztp::testing::TempTree ca_dir;  // the harness's own copy goes with it
  ca_dir.write("ca.pem", read_file(h->ca_file()));
  const std::string ca = ca_dir.str() + "/ca.pem";
  auto r = node.attest(*tpm, url, ca);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("no sealed cache yet"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sealed a copy"), std::string::npos) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat(node.cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(node.cache()).find("cached-secret-value"), std::string::npos);

  h.reset();  // the verifier is gone
  std::filesystem::remove(node.out());
  r = node.attest(*tpm, url, ca);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("verifier not contacted"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(node.out()), "cached-secret-value");
  ASSERT_EQ(::stat(node.out().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A reboot into the same boot state: orderly shutdown, a new swtpm on the same state
  // (PCRs back to their reset values), Startup.
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    ASSERT_EQ(
        Esys_Shutdown(session.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_SU_CLEAR),
        TSS2_RC_SUCCESS);
  }
  tpm.reset();
  tpm = start_tpm(tpm_state.str());
  ASSERT_TRUE(tpm);
  r = node.attest(*tpm, url, ca);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(node.out()), "cached-secret-value");

  // --no-cache asks the verifier, which is gone: a fault, not a release.
  r = node.attest(*tpm, url, ca, {"--no-cache"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(SealedCache, AChangedBootStateDoesNotUnsealAndTheVerifierRefuses) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Node node;
  auto h = approved_verifier(*tpm, "v1");
  auto r = node.attest(*tpm, h->url(), h->ca_file());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  pcr_extend(*tpm, 4, "another kernel");
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    auto read = read_sealed_cache(session, node.cache(), "s1");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_FALSE(*read);
    EXPECT_EQ(read->error(), CacheMiss::boot_state_changed);
  }
  std::filesystem::remove(node.out());
  r = node.attest(*tpm, h->url(), h->ca_file());
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("boot state (PCR0..7) changed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("refused: digest-not-approved"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(node.out()));
}

TEST(SealedCache, AClockPastTheExpiryRefusesTheCacheAndTheVerifierReseals) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Node node;
  auto h = approved_verifier(*tpm, "v1");
  auto r = node.attest(*tpm, h->url(), h->ca_file(), {"--cache-ttl", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  advance_clock(*tpm, 30 * 60 * 1000);  // half-way: still opens
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    auto read = read_sealed_cache(session, node.cache(), "s1");
    ASSERT_TRUE(read && *read) << (read ? describe(read->error()) : read.error().message);
    EXPECT_EQ((*read)->secret, "v1");
    EXPECT_LE((*read)->remaining_ms, 30u * 60 * 1000);
  }
  advance_clock(*tpm, 31 * 60 * 1000);  // past the hour
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    auto read = read_sealed_cache(session, node.cache(), "s1");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_FALSE(*read);
    EXPECT_EQ(read->error(), CacheMiss::expired);
  }
  // The node asks the verifier again (approved state), and seals a fresh copy.
  h->put_secret("s1", "v2");
  r = node.attest(*tpm, h->url(), h->ca_file());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("expired"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(node.out()), "v2");
  auto session = esapi::Session::open(tpm->tcti_config()).value();
  auto read = read_sealed_cache(session, node.cache(), "s1");
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->secret, "v2");
}

TEST(SealedCache, AnotherTpmAnotherSecretOrADamagedFileIsNotUsed) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  auto other = start_tpm();
  ASSERT_TRUE(other);
  ztp::testing::TempTree dir;
  const auto path = dir.root() / "c.sealed";
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    ASSERT_TRUE(
        write_sealed_cache(session, path, "s1", std::string(70000, 'x'), std::chrono::hours(1)));
    auto read = read_sealed_cache(session, path, "s1");
    ASSERT_TRUE(read && *read);
    EXPECT_EQ((*read)->secret, std::string(70000, 'x'));  // larger than a sealed object holds
    read = read_sealed_cache(session, path, "s2");
    ASSERT_TRUE(read && !*read);
    EXPECT_EQ(read->error(), CacheMiss::other_secret);
    read = read_sealed_cache(session, dir.root() / "none", "s1");
    ASSERT_TRUE(read && !*read);
    EXPECT_EQ(read->error(), CacheMiss::absent);
  }
  {
    auto session = esapi::Session::open(other->tcti_config()).value();
    auto read = read_sealed_cache(session, path, "s1");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_FALSE(*read);
    EXPECT_EQ(read->error(), CacheMiss::not_this_tpm);
  }
  // A ciphertext swapped in from elsewhere does not authenticate; junk is damaged.
  auto file = parse_sealed_cache(read_file(path)).value();
  file.ciphertext[0] = static_cast<char>(file.ciphertext[0] ^ 1);
  dir.write("c.sealed", sealed_cache_text(file));
  auto session = esapi::Session::open(tpm->tcti_config()).value();
  auto read = read_sealed_cache(session, path, "s1");
  ASSERT_TRUE(read && !*read);
  EXPECT_EQ(read->error(), CacheMiss::damaged);
  dir.write("c.sealed", "{\"format\":\"ztp-prem-sealed-cache/v1\"}");
  read = read_sealed_cache(session, path, "s1");
  ASSERT_TRUE(read && !*read);
  EXPECT_EQ(read->error(), CacheMiss::damaged);
}

// The cache file, every file next to --out and the command's output hold no PCR value, no
// boot digest and no secret byte in clear (the secret is only in --out).
TEST(SealedCachePrivacy, PlantedValuesAppearInNeitherTheCacheNorItsNeighboursNorTheOutput) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  pcr_extend(*tpm, 1, "PLANTED-serial-0123456789");
  pcr_extend(*tpm, 7, "PLANTED-secure-boot");
  Node node;
  const std::string secret = "PLANTED-secret-c0ffee";
  auto h = approved_verifier(*tpm, secret);
  auto first = node.attest(*tpm, h->url(), h->ca_file());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = node.attest(*tpm, h->url(), h->ca_file());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("verifier not contacted"), std::string::npos);

  const auto record = DirState::open(h->state_spec()).value().node("n1").value().value();
  std::vector<std::string> planted = {record.presented->substr(7), secret, audit::to_base64(secret),
                                      audit::to_hex(secret)};
  for (const auto& v : pcr_values(*tpm)) {
    std::string lower = v;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    planted.insert(planted.end(), {v, lower, audit::to_base64(*audit::bytes_from_hex(lower))});
  }
  ASSERT_GE(planted.size(), 10u);
  std::vector<std::pair<std::string, std::string>> outputs = {{"first run", first.output},
                                                              {"second run", second.output}};
  for (const auto& e : std::filesystem::directory_iterator(node.dir.root())) {
    if (e.path() != node.out()) {
      outputs.emplace_back(e.path().string(), read_file(e.path()));
    }
  }
  ASSERT_GE(outputs.size(), 3u);  // the cache file at least
  for (const auto& [name, text] : outputs) {
    ASSERT_FALSE(text.empty()) << name;
    for (const auto& v : planted) {
      EXPECT_EQ(text.find(v), std::string::npos) << name << " holds " << v;
    }
    EXPECT_EQ(text.find("PLANTED"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace ztp::attest
