#include "audit/record.h"

#include <gtest/gtest.h>

#include "audit/crypto.h"
#include "audit_fixture.h"

namespace ztp::audit {
namespace {

Record sample_record() {
  Record r;
  r.type = RecordType::entry;
  r.seq = 7;
  r.epoch = 3;
  r.time = std::chrono::system_clock::time_point(std::chrono::seconds(1778580000));
  r.log_id = std::string(32, 'b');
  r.entry = testing::sample_entry(1, Reason::change);
  r.hash = compute_hash(r).value();
  return r;
}

TEST(Crypto, Sha256MatchesFips180Vector) {
  // FIPS 180-2 appendix B.1: SHA-256("abc").
  EXPECT_EQ(to_hex(sha256("abc").value()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacMatchesRfc4231WithA32ByteKey) {
  // RFC 4231 test case 2 uses the 4-byte key "Jefe"; HMAC pads keys with zeros to the
  // block size (RFC 2104), so the same key zero-extended to 32 bytes gives the same MAC.
  Bytes32 key{};
  key[0] = 'J';
  key[1] = 'e';
  key[2] = 'f';
  key[3] = 'e';
  EXPECT_EQ(to_hex(hmac_sha256(key, "what do ya want for nothing?").value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, KeyedHmacMatchesTheOneShotForManyMessages) {
  const Bytes32 key = random_bytes32().value();
  const HmacSha256 keyed(key);
  for (const char* message : {"", "a", "what do ya want for nothing?", "a"}) {
    EXPECT_EQ(keyed.mac(message).value(), hmac_sha256(key, message).value()) << message;
  }
}

TEST(Crypto, EvolutionIsStepwiseAndOneWay) {
  const Bytes32 k0 = random_bytes32().value();
  const Bytes32 k1 = evolve_key(k0).value();
  const Bytes32 k2 = evolve_key(k1).value();
  EXPECT_TRUE(equal(evolve_key(k0, 0, 2).value(), k2));
  EXPECT_TRUE(equal(evolve_key(k1, 1, 2).value(), k2));
  EXPECT_TRUE(equal(evolve_key(k2, 5, 5).value(), k2));
  EXPECT_FALSE(equal(k1, k0));
  EXPECT_EQ(hmac_sha256(k0, k_evolve_label).value(), k1);
}

TEST(Crypto, HexRoundTripAndStrictness) {
  const Bytes32 k = random_bytes32().value();
  EXPECT_EQ(from_hex(to_hex(k)), k);
  EXPECT_FALSE(from_hex(to_hex(k).substr(1)));
  std::string upper = to_hex(k);
  upper[0] = 'G';
  EXPECT_FALSE(from_hex(upper));
}

TEST(Record, LineRoundTripsAndIsCanonical) {
  const Record r = sample_record();
  const std::string line = to_line(r);
  auto back = parse_record(line);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->entry.node, "worker-1");
  EXPECT_EQ(back->entry.reason, Reason::change);
  EXPECT_EQ(back->entry.readiness, "ready");
  EXPECT_EQ(back->hash, r.hash);
  EXPECT_EQ(compute_hash(*back).value(), r.hash);
  EXPECT_EQ(to_line(*back), line);
  EXPECT_EQ(line.find(' '), std::string::npos);
  EXPECT_LT(line.find("\"classification\""), line.find("\"digest\""));  // sorted keys
}

TEST(Record, HashOfTheLineEqualsTheHashOfTheRecord) {
  Record entry = sample_record();
  entry.missed = 3;
  entry.entry.readiness.reset();
  Record open;
  open.type = RecordType::open;
  open.log_id = std::string(32, 'c');
  open.epoch_seconds = 60;
  Record close;
  close.type = RecordType::close;
  close.log_id = std::string(32, 'd');
  close.next_epoch = 4;
  for (Record r : {sample_record(), entry, open, close}) {
    r.hash = compute_hash(r).value();
    r.seal = sha256("seal").value();
    const std::string line = to_line(r);
    const Record back = parse_record(line).value();
    EXPECT_EQ(compute_hash_of_line(line, back).value(), compute_hash(back).value()) << line;
    EXPECT_EQ(compute_hash_of_line(line, back).value(), r.hash) << line;
  }
}

TEST(Record, ReaderRejectsAnythingButTheCanonicalShape) {
  const std::string line = to_line(sample_record());
  EXPECT_FALSE(parse_record(" " + line));
  EXPECT_FALSE(parse_record(line.substr(0, line.size() - 1)));
  std::string spaced = line;
  spaced.insert(1, " ");
  EXPECT_FALSE(parse_record(spaced));
  nlohmann::json j = nlohmann::json::parse(line);
  j["pcr0"] = "PLANTED";
  EXPECT_FALSE(parse_record(j.dump()));  // unknown member: no room for raw signals
  j = nlohmann::json::parse(line);
  j["seq"] = -1;
  EXPECT_FALSE(parse_record(j.dump()));
  j = nlohmann::json::parse(line);
  j["time"] = "2026-02-31T00:00:00Z";
  EXPECT_FALSE(parse_record(j.dump()));
  j = nlohmann::json::parse(line);
  j["node"] = "Worker 1";
  EXPECT_FALSE(parse_record(j.dump()));
  EXPECT_FALSE(parse_record(std::string(5000, 'x')));
  EXPECT_FALSE(parse_record("[]"));
  EXPECT_FALSE(parse_record(""));
}

TEST(Record, EntryChecksRefuseFreeText) {
  AuditEntry e = testing::sample_entry(1);
  EXPECT_TRUE(check_entry(e));
  e.classification = "sev snp (PLANTED evidence)";
  EXPECT_FALSE(check_entry(e));
  e = testing::sample_entry(1);
  e.digest = "sha256:XYZ";
  EXPECT_FALSE(check_entry(e));
  e = testing::sample_entry(1);
  e.node = std::string(254, 'a');
  EXPECT_FALSE(check_entry(e));
}

TEST(Record, Rfc3339ParserIsStrict) {
  EXPECT_EQ(parse_rfc3339("2026-05-12T10:00:00Z"),
            std::chrono::system_clock::time_point(std::chrono::seconds(1778580000)));
  EXPECT_FALSE(parse_rfc3339("2026-05-12T10:00:00+00:00"));
  EXPECT_FALSE(parse_rfc3339("2026-05-12 10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-13-12T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("3026-05-12T10:00:00Z"));  // beyond system_clock's range
  EXPECT_FALSE(parse_rfc3339("1969-12-31T23:59:59Z"));
}

Record quoted_record() {
  Record r = sample_record();
  BootQuote b;
  b.pcrs = "sha256:0-7";
  b.pcr_digest = sha256("pcr values").value();
  b.attest = std::string(
                 "\xff"
                 "TCG\x80\x18",
                 6) +
             std::string(100, '\x01');
  b.signature = std::string("\x00\x18\x00\x0b", 4) + std::string(68, '\x02');
  b.ak_name = std::string("\x00\x0b", 2) + std::string(32, '\x03');
  r.boot = b;
  r.hash = compute_hash(r).value();
  return r;
}

TEST(Record, QuotedEntryRoundTripsAndIsHashed) {
  const Record r = quoted_record();
  const std::string line = to_line(r);
  EXPECT_NE(line.find("\"boot\":{\"akName\":\"000b"), std::string::npos) << line;
  EXPECT_NE(line.find("\"pcrs\":\"sha256:0-7\""), std::string::npos) << line;
  const auto parsed = parse_record(line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->boot.has_value());
  EXPECT_EQ(parsed->boot->attest, r.boot->attest);
  EXPECT_EQ(parsed->boot->signature, r.boot->signature);
  EXPECT_EQ(parsed->boot->ak_name, r.boot->ak_name);
  EXPECT_EQ(compute_hash_of_line(line, *parsed).value(), r.hash);
  // The quote is part of the hashed body.
  Record other = r;
  other.boot->attest[10] ^= 0x01;
  EXPECT_NE(compute_hash(other).value(), r.hash);
}

TEST(Record, RejectsMalformedBootMembers) {
  const std::string line = to_line(quoted_record());
  const auto at = line.find("\"attest\":\"") + 10;
  for (const auto& [what, damaged] : std::vector<std::pair<std::string, std::string>>{
           {"unknown member", std::string(line).insert(line.find("\"akName\""), "\"a\":\"x\",")},
           {"not base64", std::string(line).replace(at, 1, "*")},
           {"pcr values", std::string(line).replace(line.find("\"pcrs\":\"") + 8, 10, "0x00AB")},
           {"short name", std::string(line).replace(line.find("\"akName\":\"") + 10, 4, "")}}) {
    EXPECT_FALSE(parse_record(damaged)) << what << ": " << damaged;
  }
}

TEST(Crypto, Base64IsRfc4648AndStrict) {
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");  // RFC 4648 section 10
  EXPECT_EQ(to_base64("fo"), "Zm8=");
  EXPECT_EQ(from_base64("Zm8=").value(), "fo");
  EXPECT_EQ(from_base64("Zm9vYg==").value(), "foob");
  for (const char* bad : {"Zm8", "Zm9=", " Zm8=", "Zm8=\n", "Z===", "****"}) {
    EXPECT_FALSE(from_base64(bad)) << bad;
  }
}

}  // namespace
}  // namespace ztp::audit
