// Sealed-key release against a TPM quote, on real TPMs (swtpm on loopback through ESAPI)
// and a real verifier (src/http, TLS): the full flow, refusal before approval and release
// after, a PCR extend refused, and every negative case of issue 14 rejected with its code.
// Skips when swtpm is not installed.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "attest/attest_harness.h"
#include "attest/credential.h"
#include "attest/release.h"
#include "audit/crypto.h"
#include "common/log.h"
#include "esapi/attestation.h"
#include "esapi/endorsement.h"
#include "esapi/esapi_session.h"
#include "fleet/dir_source.h"
#include "fleet/metrics.h"
#include "fleet/render.h"
#include "testlib/fixtures.h"
#include "testlib/test_pki.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::attest {
namespace {

using testing::Harness;
using testing::pcr_extend;
using testing::pcr_values;
using testing::start_tpm;
using ztp::testing::SwtpmProcess;

TPML_PCR_SELECTION selection_of(const std::string& text) {
  return tpmquote::to_tpml(tpmquote::parse_pcr_selection(text).value());
}

// What a node sends: a quote by tpm's AK bound to bound_nonce (default: nonce).
AttestRequest quote_request(const SwtpmProcess& tpm, const std::string& node,
                            const std::string& nonce, const EphemeralKey& key,
                            const TPML_PCR_SELECTION& selection = selection_of("sha256:0-7"),
                            const std::string& bound_nonce = "") {
  auto session = esapi::Session::open(tpm.tcti_config()).value();
  const auto binding =
      quote_binding(bound_nonce.empty() ? nonce : bound_nonce, key.public_point(), node).value();
  const auto q = esapi::quote_raw(session, selection, binding);
  EXPECT_TRUE(q) << (q ? "" : q.error().message);
  return AttestRequest{node, "s1", nonce, key.public_point(), q->attest, q->signature};
}

std::string fresh_nonce(Harness& h, const std::string& node) {
  auto n = h.verifier().nonce(NonceRequest{node});
  EXPECT_TRUE(n) << (n ? "" : n.error().reason);
  return n ? n->nonce : std::string(32, 'x');
}

std::string refusal_code(const Outcome<ReleaseResponse>& o) {
  return o ? std::string("released") : o.error().code;
}

// Registered, approved, with secret s1 = "topsecret": the state where release succeeds.
void attested_setup(Harness& h, const SwtpmProcess& tpm, const std::string& node = "n1") {
  auto first = attest_node(h.node(tpm, node));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_FALSE(*first);
  ASSERT_EQ(first->error().code, k_digest_not_approved);
  h.approve_presented(node);
  h.put_secret("s1", "topsecret");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AttestFlow, RefusedBeforeApprovalReleasedAfterRefusedAfterPcrExtend) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  h.put_secret("s1", "topsecret");
  // Registration happens on the way (the verifier did not know n1).
  auto before = attest_node(h.node(*tpm, "n1"));
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_FALSE(*before);
  EXPECT_EQ(before->error().code, k_digest_not_approved);
  auto verdict = nlohmann::json::parse(read_file(h.publish_dir().root() / "n1.attest.json"));
  EXPECT_EQ(verdict["attested"], false);
  EXPECT_EQ(verdict["reason"], "digest-not-approved");
  EXPECT_EQ(verdict["group"], "g1");

  h.approve_presented("n1");
  auto after = attest_node(h.node(*tpm, "n1"));
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_TRUE(*after) << after->error().reason;
  EXPECT_EQ(**after, "topsecret");
  verdict = nlohmann::json::parse(read_file(h.publish_dir().root() / "n1.attest.json"));
  EXPECT_EQ(verdict["attested"], true);
  EXPECT_FALSE(verdict.contains("reason"));

  pcr_extend(*tpm, 4, "another kernel");  // a swapped kernel, as PCR4 would show
  auto swapped = attest_node(h.node(*tpm, "n1"));
  ASSERT_TRUE(swapped) << swapped.error().message;
  ASSERT_FALSE(*swapped);
  EXPECT_EQ(swapped->error().code, k_digest_not_approved);

  const std::string metrics = h.metrics();
  EXPECT_NE(metrics.find("ztp_prem_attest_decisions_total{decision=\"released\",reason=\"\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("decision=\"refused\",reason=\"digest-not-approved\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("decision=\"registered\""), std::string::npos);
  // Files of the state directory are the owner's only.
  for (const auto& e : std::filesystem::recursive_directory_iterator(h.state_dir().root())) {
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << e.path();
  }
}

TEST(AttestFlow, SecretOfAnotherGroupOrUnknownIsRefused) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  attested_setup(h, *tpm);
  h.put_secret("other", "not yours", "g2");
  auto r = attest_node(h.node(*tpm, "n1", "other"));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code, k_secret_unknown);
  r = attest_node(h.node(*tpm, "n1", "missing"));
  ASSERT_TRUE(r && !*r);
  EXPECT_EQ(r->error().code, k_secret_unknown);
}

TEST(AttestNegative, ReplayedQuoteAndReusedNonceAreRefused) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  attested_setup(h, *tpm);
  const auto key = EphemeralKey::generate().value();
  const auto request = quote_request(*tpm, "n1", fresh_nonce(h, "n1"), key);
  // Over HTTPS, as a node sends it: released once ...
  auto first = h.post("/v1/attest", to_json(request));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  auto release = parse_release_response(first->body).value();
  EXPECT_EQ(key.open(release.envelope, request.nonce, release_aad("n1", "s1")).value(),
            "topsecret");
  // ... and the same quote again (replay; the nonce is reused) is refused.
  auto second = h.post("/v1/attest", to_json(request));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 403);
  EXPECT_EQ(parse_refusal(second->body).value().code, k_nonce_invalid);
}

TEST(AttestNegative, WrongUnknownAndExpiredNoncesAreRefused) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  attested_setup(h, *tpm);
  const auto key = EphemeralKey::generate().value();
  // A quote bound to one nonce presented with another (issued) nonce.
  const std::string bound = fresh_nonce(h, "n1");
  const std::string other = fresh_nonce(h, "n1");
  auto r =
      h.verifier().attest(quote_request(*tpm, "n1", other, key, selection_of("sha256:0-7"), bound));
  EXPECT_EQ(refusal_code(r), k_quote_invalid);
  // A nonce the verifier never issued.
  const std::string made_up(32, '\x42');
  r = h.verifier().attest(quote_request(*tpm, "n1", made_up, key));
  EXPECT_EQ(refusal_code(r), k_nonce_invalid);
  // Another node's nonce (n2 registers from the same TPM).
  auto n2 = attest_node(h.node(*tpm, "n2"));  // same boot state as n1: released
  ASSERT_TRUE(n2 && *n2);
  r = h.verifier().attest(quote_request(*tpm, "n1", fresh_nonce(h, "n2"), key));
  EXPECT_EQ(refusal_code(r), k_nonce_invalid);
  // An expired nonce: the TTL is 60 s.
  const std::string old = fresh_nonce(h, "n1");
  h.clock().advance(std::chrono::seconds(61));
  r = h.verifier().attest(quote_request(*tpm, "n1", old, key));
  EXPECT_EQ(refusal_code(r), k_expired);
  // A fresh nonce still works: the refusals above changed nothing else.
  r = h.verifier().attest(quote_request(*tpm, "n1", fresh_nonce(h, "n1"), key));
  EXPECT_EQ(refusal_code(r), "released");
}

TEST(AttestNegative, DuplicatedReorderedAndOtherSelectionsAreRefused) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  attested_setup(h, *tpm);
  const auto key = EphemeralKey::generate().value();
  // The sha256 bank twice (research note attest.md section 0.1).
  TPML_PCR_SELECTION duplicated = selection_of("sha256:0-7");
  duplicated.count = 2;
  duplicated.pcrSelections[1] = duplicated.pcrSelections[0];
  // The same PCRs split and listed high half first.
  TPML_PCR_SELECTION reordered = selection_of("sha256:4-7");
  reordered.count = 2;
  reordered.pcrSelections[1] = selection_of("sha256:0-3").pcrSelections[0];
  for (const auto& sel : {duplicated, reordered, selection_of("sha256:0-8"),
                          selection_of("sha256:0-6"), selection_of("sha256:0-7+sha1:0-7")}) {
    const auto request = quote_request(*tpm, "n1", fresh_nonce(h, "n1"), key, sel);
    EXPECT_EQ(refusal_code(h.verifier().attest(request)), k_selection_mismatch);
  }
}

TEST(AttestNegative, TamperedAttestOrSignatureIsRefused) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  attested_setup(h, *tpm);
  const auto key = EphemeralKey::generate().value();
  for (int field = 0; field < 2; ++field) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{10}, std::size_t{40}}) {
      auto request = quote_request(*tpm, "n1", fresh_nonce(h, "n1"), key);
      std::string& bytes = field == 0 ? request.attest : request.signature;
      bytes[std::min(at, bytes.size() - 1)] ^= 0x01;
      EXPECT_EQ(refusal_code(h.verifier().attest(request)), k_quote_invalid)
          << "field " << field << " byte " << at;
    }
  }
  // Another ephemeral key than the one the quote binds (a man in the middle's).
  auto request = quote_request(*tpm, "n1", fresh_nonce(h, "n1"), key);
  request.ephemeral_point = EphemeralKey::generate().value().public_point();
  EXPECT_EQ(refusal_code(h.verifier().attest(request)), k_quote_invalid);
}

TEST(AttestNegative, AnotherNodesAkAndAnotherTpmForARegisteredNameAreRefused) {
  auto tpm_a = start_tpm();
  REQUIRE_SWTPM(tpm_a);
  auto tpm_b = start_tpm();
  Harness h;
  attested_setup(h, *tpm_a, "n1");
  // n2 registers with TPM B (whose fresh PCRs equal A's: the same approved boot state).
  auto b = attest_node(h.node(*tpm_b, "n2"));
  ASSERT_TRUE(b && *b);
  // TPM A quotes for n2: n2's registered AK is B's, so the signature does not verify.
  const auto key = EphemeralKey::generate().value();
  auto r = h.verifier().attest(quote_request(*tpm_a, "n2", fresh_nonce(h, "n2"), key));
  EXPECT_EQ(refusal_code(r), k_quote_invalid);
  // TPM B re-registering as n1 (already registered with TPM A) is refused.
  RegisterRequest steal{"n1", "g1", {}, std::nullopt, {}};
  auto session = esapi::Session::open(tpm_b->tcti_config()).value();
  steal.ek_public = esapi::endorsement_key_public(session).value();
  steal.ak_public = esapi::attestation_key_public(session).value();
  auto challenge = h.verifier().register_node(steal);
  ASSERT_FALSE(challenge);
  EXPECT_EQ(challenge.error().code, k_identity_conflict);
}

TEST(AttestNegative, AkNotBoundToTheEkIsRefused) {
  auto tpm_a = start_tpm();
  REQUIRE_SWTPM(tpm_a);
  auto tpm_b = start_tpm();
  Harness h;
  // TPM A's EK with TPM B's AK: a node claiming a key that does not live next to its EK.
  auto a = esapi::Session::open(tpm_a->tcti_config()).value();
  auto b = esapi::Session::open(tpm_b->tcti_config()).value();
  RegisterRequest request{"n1", "g1", esapi::endorsement_key_public(a).value(), std::nullopt,
                          esapi::attestation_key_public(b).value()};
  auto challenge = h.verifier().register_node(request);
  ASSERT_TRUE(challenge) << challenge.error().reason;
  // TPM A cannot activate it: its AK has another name (TPM_RC_INTEGRITY).
  auto activated = esapi::activate_credential(a, challenge->id_object, challenge->encrypted_secret);
  EXPECT_FALSE(activated);
  // TPM B cannot either: the seed is encrypted to A's EK.
  EXPECT_FALSE(esapi::activate_credential(b, challenge->id_object, challenge->encrypted_secret));
  // Any answer is refused, and the challenge is then spent.
  const ProofRequest guess{"n1", challenge->challenge, std::string(32, '\0')};
  auto proved = h.verifier().prove(guess);
  ASSERT_FALSE(proved);
  EXPECT_EQ(proved.error().code, k_ak_not_bound);
  EXPECT_FALSE(h.verifier().prove(guess));
  auto n = h.verifier().nonce(NonceRequest{"n1"});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, k_not_registered);
}

// A TPM2B_PUBLIC for a P-256 key made in software, with the given attributes.
std::string software_ak_public(TPMA_OBJECT attributes) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1");
  unsigned char point[65];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", point, sizeof point, &len);
  EVP_PKEY_free(key);
  TPM2B_PUBLIC pub{};
  TPMT_PUBLIC& p = pub.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = attributes;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  p.unique.ecc.x.size = 32;
  p.unique.ecc.y.size = 32;
  std::copy(point + 1, point + 33, p.unique.ecc.x.buffer);
  std::copy(point + 33, point + 65, p.unique.ecc.y.buffer);
  std::uint8_t buf[sizeof pub];
  std::size_t off = 0;
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof buf, &off), TSS2_RC_SUCCESS);
  return std::string(reinterpret_cast<const char*>(buf), off);
}

TEST(AttestNegative, SoftwareAkIsRefusedAtRegistration) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  auto session = esapi::Session::open(tpm->tcti_config()).value();
  const std::string ek = esapi::endorsement_key_public(session).value();
  // The attributes TPM2_LoadExternal accepts for a key with its private part (research
  // note attest.md section 0.2: such a key passes ActivateCredential against the real EK).
  const std::string loadable =
      software_ak_public(TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH);
  {
    // Show the premise on the TPM: it loads (name = H(public area)), so activation alone
    // could not tell it from an AK.
    TPM2B_PUBLIC pub{};
    std::size_t off = 0;
    ASSERT_EQ(Tss2_MU_TPM2B_PUBLIC_Unmarshal(reinterpret_cast<const std::uint8_t*>(loadable.data()),
                                             loadable.size(), &off, &pub),
              TSS2_RC_SUCCESS);
    ESYS_TR handle = ESYS_TR_NONE;
    ASSERT_EQ(Esys_LoadExternal(session.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                nullptr, &pub, ESYS_TR_RH_NULL, &handle),
              TSS2_RC_SUCCESS);
    Esys_FlushContext(session.context(), handle);
  }
  auto r = h.verifier().register_node(RegisterRequest{"n1", "g1", ek, std::nullopt, loadable});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, k_ak_rejected);
  // AK attributes with adminWithPolicy: its ADMIN role would be a caller-chosen policy.
  r = h.verifier().register_node(RegisterRequest{
      "n1", "g1", ek, std::nullopt,
      software_ak_public(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                         TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                         TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, k_ak_rejected);
  // Claiming the AK attributes for the software key changes its name, and no TPM holds an
  // object of that name to activate the credential for: any answer is refused.
  const std::string forged = software_ak_public(
      TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT);
  auto challenge =
      h.verifier().register_node(RegisterRequest{"n1", "g1", ek, std::nullopt, forged});
  ASSERT_TRUE(challenge) << challenge.error().reason;
  {
    // Its public part alone does load (TPM2_LoadExternal), with the forged name, but the
    // AK's ADMIN role needs its authValue (adminWithPolicy is CLEAR in the AK template and
    // the verifier refuses it SET), which a public-only object does not have: the TPM
    // refuses to activate.
    TPM2B_PUBLIC pub{};
    std::size_t off = 0;
    ASSERT_EQ(Tss2_MU_TPM2B_PUBLIC_Unmarshal(reinterpret_cast<const std::uint8_t*>(forged.data()),
                                             forged.size(), &off, &pub),
              TSS2_RC_SUCCESS);
    ESYS_TR handle = ESYS_TR_NONE;
    ASSERT_EQ(Esys_LoadExternal(session.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                nullptr, &pub, ESYS_TR_RH_NULL, &handle),
              TSS2_RC_SUCCESS);
    auto activated = esapi::activate_credential_for(session, handle, challenge->id_object,
                                                    challenge->encrypted_secret);
    Esys_FlushContext(session.context(), handle);
    EXPECT_FALSE(activated);
    challenge = h.verifier().register_node(RegisterRequest{"n1", "g1", ek, std::nullopt, forged});
    ASSERT_TRUE(challenge);
  }
  EXPECT_FALSE(
      esapi::activate_credential(session, challenge->id_object, challenge->encrypted_secret));
  auto proved = h.verifier().prove(ProofRequest{"n1", challenge->challenge, std::string(32, 'p')});
  ASSERT_FALSE(proved);
  EXPECT_EQ(proved.error().code, k_ak_not_bound);
}

TEST(AttestEkCertificate, ChainsToTheCaOrIsRefused) {
  auto tpm_plain = start_tpm();
  REQUIRE_SWTPM(tpm_plain);
  auto provisioned = testing::provision_with_ek_cert();
  ASSERT_TRUE(provisioned);
  auto tpm = start_tpm(provisioned->state_dir);
  ASSERT_TRUE(tpm);
  {
    auto session = esapi::Session::open(tpm->tcti_config()).value();
    auto cert = esapi::endorsement_certificate(session);
    ASSERT_TRUE(cert) << cert.error().message;
    ASSERT_TRUE(cert->has_value());
    const auto ek = ek_from_public(esapi::endorsement_key_public(session).value()).value();
    EXPECT_TRUE(check_ek_certificate(**cert, ek, provisioned->ca_bundle));
    // The certificate of another EK does not vouch for this one.
    auto other = esapi::Session::open(tpm_plain->tcti_config()).value();
    const auto other_ek = ek_from_public(esapi::endorsement_key_public(other).value()).value();
    EXPECT_FALSE(check_ek_certificate(**cert, other_ek, provisioned->ca_bundle));
    auto none = esapi::endorsement_certificate(other);
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(none->has_value());
  }
  {
    Harness h(provisioned->ca_bundle);
    h.put_secret("s1", "topsecret");
    auto r = attest_node(h.node(*tpm, "n1"));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().code, k_digest_not_approved);  // registered: past the EK check
    // A TPM without an EK certificate is refused when the verifier requires one.
    auto plain = attest_node(h.node(*tpm_plain, "n2"));
    ASSERT_TRUE(plain && !*plain);
    EXPECT_EQ(plain->error().code, k_ek_not_trusted);
  }
  {
    Harness h(ztp::testing::shared_test_pki().other_ca_cert);  // not the EK's CA
    auto r = attest_node(h.node(*tpm, "n1"));
    ASSERT_TRUE(r && !*r);
    EXPECT_EQ(r->error().code, k_ek_not_trusted);
    EXPECT_NE(r->error().reason.find("not under the EK CA"), std::string::npos);
  }
}

// Binaries: exit codes 4 / 0 / 2, the secret file 0600, an existing file refused, and the
// operator's commands.
TEST(AttestBinaries, ExitCodesAndOperatorCommands) {
  auto tpm = start_tpm();
  REQUIRE_SWTPM(tpm);
  Harness h;
  ztp::testing::TempTree out;
  const std::string bin = ZTP_BIN_DIR;
  const std::string secret_file = out.str() + "/secret";
  const std::vector<std::string> attest = {bin + "/ztp-prem-tpm",
                                           "attest",
                                           "--verifier",
                                           h.url(),
                                           "--ca",
                                           h.ca_file(),
                                           "--tcti",
                                           tpm->tcti_config(),
                                           "--node",
                                           "n1",
                                           "--group",
                                           "g1",
                                           "--secret",
                                           "s1",
                                           "--out",
                                           secret_file};
  auto r = ztp::testing::run_command(attest);
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("refused: digest-not-approved"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(secret_file));

  r = ztp::testing::run_command({bin + "/ztp-prem-attest", "policy", "approve", "--state",
                                 h.state_spec(), "--group", "g1", "--from-node", "n1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = ztp::testing::run_command({"/bin/sh", "-c",
                                 "printf secret-two | '" + bin +
                                     "/ztp-prem-attest' secret put --state '" + h.state_spec() +
                                     "' --name s1 --group g1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = ztp::testing::run_command(attest);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(secret_file), "secret-two");
  struct stat st {};
  ASSERT_EQ(::stat(secret_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  r = ztp::testing::run_command(attest);  // the file exists now
  EXPECT_EQ(r.exit_code, 2) << r.output;
  auto forced = attest;
  forced.push_back("--force");
  r = ztp::testing::run_command(forced);
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = ztp::testing::run_command({bin + "/ztp-prem-attest", "policy", "revoke", "--state",
                                 h.state_spec(), "--group", "g1", "--from-node", "n1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The sealed copy still opens until its TTL (docs/attest.md); the verifier refuses.
  r = ztp::testing::run_command(forced);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("verifier not contacted"), std::string::npos) << r.output;
  forced.push_back("--no-cache");
  r = ztp::testing::run_command(forced);
  EXPECT_EQ(r.exit_code, 4) << r.output;
  // Bad input: a digest that is not one, plain http, no TPM named.
  r = ztp::testing::run_command({bin + "/ztp-prem-attest", "policy", "approve", "--state",
                                 h.state_spec(), "--group", "g1", "--digest", "sha256:xyz"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  auto plain = forced;
  plain[3] = "http://127.0.0.1:1";
  EXPECT_EQ(ztp::testing::run_command(plain).exit_code, 2);
  auto no_tpm = forced;
  no_tpm[7] = "";
  EXPECT_EQ(ztp::testing::run_command(no_tpm).exit_code, 2);
}

// No PCR value, no EK certificate or key byte, no AK name, no boot digest in the verifier's
// log, /metrics or published verdicts; the state holds the AK (it must) but no PCR value
// and no EK certificate or EK key.
TEST(AttestPrivacy, PlantedValuesAppearInNoOutput) {
  auto provisioned = testing::provision_with_ek_cert();
  if (!provisioned) {
    GTEST_SKIP() << "swtpm_setup is not installed";
  }
  auto tpm = start_tpm(provisioned->state_dir);
  REQUIRE_SWTPM(tpm);
  pcr_extend(*tpm, 1, "PLANTED-serial-0123456789");  // PCR1 holds SMBIOS serials
  pcr_extend(*tpm, 4, "PLANTED-kernel");
  Harness h(provisioned->ca_bundle);
  attested_setup(h, *tpm);
  auto released = attest_node(h.node(*tpm, "n1"));
  ASSERT_TRUE(released && *released);

  auto session = esapi::Session::open(tpm->tcti_config()).value();
  const std::string cert = esapi::endorsement_certificate(session).value().value();
  const std::string ek_public = esapi::endorsement_key_public(session).value();
  const auto ek = ek_from_public(ek_public).value();
  const auto ak = tpmquote::ak_from_public(esapi::attestation_key_public(session).value()).value();
  const auto record = DirState::open(h.state_spec()).value().node("n1").value().value();
  const std::string digest_hex = record.presented->substr(7);

  std::vector<std::string> planted;
  for (const auto& v : pcr_values(*tpm)) {
    planted.push_back(v);
    std::string lower = v;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    planted.push_back(lower);
    planted.push_back(audit::to_base64(*audit::bytes_from_hex(lower)));
  }
  ASSERT_GE(planted.size(), 6u);
  for (const std::string& bytes : {cert, ek.modulus, ek_public}) {
    planted.push_back(audit::to_base64(bytes));
    planted.push_back(audit::to_hex(bytes).substr(0, 64));
    planted.push_back(audit::to_base64(bytes.substr(bytes.size() / 2, 48)).substr(0, 40));
  }
  const std::vector<std::string> ak_values = {audit::to_hex(ak.name),
                                              audit::to_base64(ak.public_area)};
  const std::vector<std::string> digest_values = {digest_hex};

  std::vector<std::pair<std::string, std::string>> public_outputs = {{"log", h.log_text()},
                                                                     {"metrics", h.metrics()}};
  for (const auto& e : std::filesystem::directory_iterator(h.publish_dir().root())) {
    public_outputs.emplace_back(e.path().string(), read_file(e.path()));
  }
  // The fleet reading the verdicts (its dir source, as `--source dir:` next to the probes'
  // documents): the row, the node detail, the fleet counts and the metrics it serves.
  fleet::FleetState fleet_state(h.clock(), std::chrono::hours(1));
  std::ostringstream fleet_log;
  log::Logger fleet_logger(fleet_log, h.clock());
  fleet::DirSource source(h.publish_dir().root(), fleet_state, fleet_logger);
  ASSERT_TRUE(source.start());
  fleet_state.wait_for_revision(1, std::chrono::seconds(5));
  source.stop();
  if (!fleet_log.str().empty()) {  // a clean read logs nothing; anything it logs is swept
    public_outputs.emplace_back("fleet log", fleet_log.str());
  }
  const auto snapshot = fleet_state.snapshot();
  const fleet::Row* row = snapshot->find("n1");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->attestation, 1);
  public_outputs.emplace_back("fleet row", fleet::row_json(*row).dump());
  public_outputs.emplace_back("fleet node detail", fleet::node_detail_json(*row).dump());
  public_outputs.emplace_back("fleet counts", snapshot->fleet_json);
  public_outputs.emplace_back("fleet metrics", fleet::metrics_text(snapshot->counts));
  std::vector<std::pair<std::string, std::string>> state_files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(h.state_dir().root())) {
    if (e.is_regular_file()) {
      state_files.emplace_back(e.path().string(), read_file(e.path()));
    }
  }
  ASSERT_GE(state_files.size(), 3u);
  for (const auto& [name, text] : public_outputs) {
    ASSERT_FALSE(text.empty()) << name;
    for (const auto& group : {planted, ak_values, digest_values}) {
      for (const auto& v : group) {
        EXPECT_EQ(text.find(v), std::string::npos) << name << " holds " << v;
      }
    }
    EXPECT_EQ(text.find("PLANTED"), std::string::npos) << name;
  }
  for (const auto& [name, text] : state_files) {
    for (const auto& v : planted) {
      EXPECT_EQ(text.find(v), std::string::npos) << name << " holds " << v;
    }
  }
}

}  // namespace
}  // namespace ztp::attest
