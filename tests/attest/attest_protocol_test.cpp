// The parts of attestation that need no TPM: wire messages (round trips and refusals of
// malformed input), the release envelope, KDFa against its definition, the verifier URL,
// and the state directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "attest/credential.h"
#include "attest/node_client.h"
#include "attest/protocol.h"
#include "attest/release.h"
#include "attest/state.h"
#include "audit/crypto.h"
#include "testlib/temp_tree.h"

namespace ztp::attest {
namespace {

std::string bytes(std::size_t n, char c) { return std::string(n, c); }

TEST(AttestProtocol, MessagesRoundTrip) {
  const RegisterRequest reg{"worker-1", "g1", bytes(300, 'e'), bytes(900, 'c'), bytes(90, 'a')};
  const auto reg2 = parse_register_request(to_json(reg)).value();
  EXPECT_EQ(reg2.node, "worker-1");
  EXPECT_EQ(reg2.ek_public, reg.ek_public);
  EXPECT_EQ(reg2.ek_certificate, reg.ek_certificate);
  EXPECT_EQ(reg2.ak_public, reg.ak_public);
  const AttestRequest at{
      "n1", "s1", bytes(32, 'n'), "\x04" + bytes(64, 'p'), bytes(145, 'q'), bytes(72, 's')};
  const auto at2 = parse_attest_request(to_json(at)).value();
  EXPECT_EQ(at2.nonce, at.nonce);
  EXPECT_EQ(at2.ephemeral_point, at.ephemeral_point);
  EXPECT_EQ(at2.attest, at.attest);
  const ReleaseResponse rel{Envelope{"\x04" + bytes(64, 'v'), bytes(12, 'i'), bytes(40, 'c')}};
  EXPECT_EQ(parse_release_response(to_json(rel)).value().envelope.ciphertext, bytes(40, 'c'));
  const Refusal no{"digest-not-approved", "why"};
  EXPECT_EQ(parse_refusal(to_json(no)).value().code, "digest-not-approved");
  EXPECT_EQ(parse_nonce_response(to_json(NonceResponse{bytes(32, 'n'), 60})).value().ttl_seconds,
            60);
}

TEST(AttestProtocol, MalformedRequestsAreRefused) {
  const std::string point = audit::to_base64("\x04" + bytes(64, 'p'));
  const std::string good_nonce = audit::to_base64(bytes(32, 'n'));
  for (const std::string& body : {
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"node":"n1"})"),  // fields missing
           R"({"node":"N_1","secret":"s1","nonce":")" + good_nonce + R"(","ephemeralKey":")" +
               point + R"(","attest":"AAAA","signature":"AAAA"})",  // not a node name
           R"({"node":"n1","secret":"s1","nonce":"AAAA","ephemeralKey":")" + point +
               R"(","attest":"AAAA","signature":"AAAA"})",  // a 3-byte nonce
           R"({"node":"n1","secret":"s1","nonce":")" + good_nonce +
               R"(","ephemeralKey":"AAAA","attest":"AAAA","signature":"AAAA"})",  // short point
           R"({"node":"n1","secret":"s1","nonce":")" + good_nonce + R"(","ephemeralKey":")" +
               point + R"(","attest":"not base64!","signature":"AAAA"})",
           R"({"node":"n1","secret":7,"nonce":")" + good_nonce + R"(","ephemeralKey":")" + point +
               R"(","attest":"AAAA","signature":"AAAA"})",
       }) {
    auto r = parse_attest_request(body);
    EXPECT_FALSE(r) << body;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    }
  }
  EXPECT_FALSE(parse_proof_request(R"({"node":"n1","challenge":"AAAA","proof":"AAAA"})"));
  EXPECT_FALSE(parse_register_request(R"({"node":"n1","group":"G!","ekPublic":"AAAA",)"
                                      R"("akPublic":"AAAA"})"));
}

TEST(AttestRelease, OpensOnlyWithTheKeyNonceAndContext) {
  const auto key = EphemeralKey::generate().value();
  const std::string nonce = bytes(32, 'n');
  const std::string aad = release_aad("n1", "s1");
  const auto env = seal_to(key.public_point(), nonce, aad, "topsecret").value();
  EXPECT_EQ(key.open(env, nonce, aad).value(), "topsecret");
  EXPECT_EQ(env.ciphertext.find("topsecret"), std::string::npos);
  EXPECT_FALSE(key.open(env, bytes(32, 'm'), aad));                      // another nonce
  EXPECT_FALSE(key.open(env, nonce, release_aad("n2", "s1")));           // another node
  EXPECT_FALSE(EphemeralKey::generate().value().open(env, nonce, aad));  // another key
  Envelope tampered = env;
  tampered.ciphertext[0] ^= 1;
  EXPECT_FALSE(key.open(tampered, nonce, aad));
  // Points that are not on P-256 are refused before any key agreement.
  std::string off_curve = key.public_point();
  off_curve[40] ^= 1;
  EXPECT_FALSE(seal_to(off_curve, nonce, aad, "x"));
  EXPECT_FALSE(seal_to("\x02" + bytes(64, 'p'), nonce, aad, "x"));
}

TEST(AttestRelease, QuoteBindingCoversNonceKeyAndNode) {
  const std::string n = bytes(32, 'n');
  const std::string p = "\x04" + bytes(64, 'p');
  const auto b = quote_binding(n, p, "n1").value();
  EXPECT_EQ(b.size(), 32u);
  EXPECT_NE(b, quote_binding(bytes(32, 'm'), p, "n1").value());
  EXPECT_NE(b, quote_binding(n, "\x04" + bytes(64, 'q'), "n1").value());
  EXPECT_NE(b, quote_binding(n, p, "n2").value());
}

// KDFa per TPM 2.0 Part 1 section 11.4.10.2, composed here from HMAC-SHA256:
// K(i) = HMAC(key, [i]32 || label || 0x00 || context || [bits]32).
TEST(AttestCredential, KdfaMatchesItsDefinition) {
  audit::Bytes32 key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<unsigned char>(i * 7 + 1);
  }
  const std::string key_bytes(reinterpret_cast<const char*>(key.data()), key.size());
  const std::string context = "\x00\x0b" + bytes(32, 'z');
  auto block = [&](std::uint32_t i, std::string_view label, std::uint32_t bits) {
    std::string m;
    for (int s = 24; s >= 0; s -= 8) {
      m.push_back(static_cast<char>((i >> s) & 0xff));
    }
    m.append(label).push_back('\0');
    m.append(context);
    for (int s = 24; s >= 0; s -= 8) {
      m.push_back(static_cast<char>((bits >> s) & 0xff));
    }
    const auto mac = audit::hmac_sha256(key, m).value();
    return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
  };
  EXPECT_EQ(kdfa_sha256(key_bytes, "STORAGE", context, 16).value(),
            block(1, "STORAGE", 128).substr(0, 16));
  EXPECT_EQ(kdfa_sha256(key_bytes, "STORAGE", context, 48).value(),
            block(1, "STORAGE", 384) + block(2, "STORAGE", 384).substr(0, 16));
}

TEST(AttestNodeClient, VerifierUrls) {
  auto a = parse_verifier_url("https://verifier.ztp:8443").value();
  EXPECT_EQ(a.host, "verifier.ztp");
  EXPECT_EQ(a.port, "8443");
  a = parse_verifier_url("https://[::1]:9").value();
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(parse_verifier_url("https://v/").value().port, "443");
  for (const char* bad :
       {"http://v:1", "https://", "https://v:x", "https://v:1/path", "https://[::1", "v:1"}) {
    EXPECT_FALSE(parse_verifier_url(bad)) << bad;
  }
}

TEST(AttestState, PrivateFilesAndRoundTrips) {
  ztp::testing::TempTree tmp;
  EXPECT_FALSE(DirState::open("k8s"));
  EXPECT_FALSE(DirState::open("/tmp/x"));
  const auto state = DirState::open("dir:" + tmp.str() + "/state").value();
  EXPECT_FALSE(state.node("n1").value());
  EXPECT_TRUE(state.policy("g1").value().approved.empty());
  const std::string digest = "sha256:" + std::string(64, 'a');
  ASSERT_TRUE(state.put_node({"n1", "g1", bytes(90, 'a'), std::string(64, 'e'), "t", digest}));
  ASSERT_TRUE(state.put_policy({"g1", {digest}}));
  ASSERT_TRUE(state.put_secret({"s1", "g1", bytes(10, 's')}));
  const auto node = state.node("n1").value().value();
  EXPECT_EQ(node.ak_public, bytes(90, 'a'));
  EXPECT_EQ(node.presented, digest);
  EXPECT_EQ(state.policy("g1").value().approved, std::vector<std::string>{digest});
  EXPECT_EQ(state.secret("s1").value().value().value, bytes(10, 's'));
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp.root() / "state")) {
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << e.path();
  }
  // A damaged file is an error, not an absent node.
  std::ofstream(tmp.root() / "state/nodes/n1.json") << "{\"node\":";
  EXPECT_FALSE(state.node("n1"));
  EXPECT_FALSE(state.node("../etc"));  // not a node name: never a path
  EXPECT_FALSE(is_digest_text("sha256:" + std::string(64, 'A')));
  EXPECT_TRUE(is_digest_text(digest));
}

}  // namespace
}  // namespace ztp::attest
