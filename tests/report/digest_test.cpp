#include "report/digest.h"

#include <gtest/gtest.h>

namespace ztp::report {
namespace {

Document sample() {
  Document d;
  d.envelope.kind = "CCStatus";
  d.envelope.node = "n1";
  d.envelope.generated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  d.envelope.wave = "w1";
  d.envelope.probe = {"ztp-prem-detect", "0.1.0"};
  d.body["mode"] = "none";
  d.findings.signal("cpuidAvailable", true);
  return d;
}

TEST(Digest, Sha256KnownVectors) {
  // FIPS 180-2 appendix B.1 and the empty string.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, IgnoresGeneratedAtOnly) {
  Document a = sample();
  Document b = sample();
  b.envelope.generated_at += std::chrono::hours(5);
  EXPECT_EQ(content_digest(a), content_digest(b));
  EXPECT_EQ(canonical_content(a).find("generatedAt"), std::string::npos);
  Document c = sample();
  c.findings.signals[0].second = false;
  EXPECT_NE(content_digest(a), content_digest(c));
  Document d = sample();
  d.body["mode"] = "sev-snp";
  EXPECT_NE(content_digest(a), content_digest(d));
  EXPECT_EQ(content_digest(a).size(), 64u);
}

}  // namespace
}  // namespace ztp::report
