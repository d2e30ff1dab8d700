#include "report/digest.h"

#include <openssl/evp.h>

#include <array>

namespace ztp::report {

std::string canonical_content(const Document& doc) {
  // nlohmann::json (not ordered_json) keeps object keys sorted: the canonical order.
  nlohmann::json j(to_json(doc));
  j.erase("generatedAt");
  j.erase("auditHead");
  j.erase("bootState");  // derived from the audit log after the digest, like auditHead
  return j.dump();
}

Result<std::string> content_digest(const Document& doc) {
  const std::string text = canonical_content(doc);
  std::array<unsigned char, 32> digest{};
  unsigned int n = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &n, EVP_sha256(), nullptr) != 1) {
    return fail(ErrorKind::io_error, "OpenSSL SHA-256 failed");
  }
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (const unsigned char b : digest) {
    out += k_digits[b >> 4];
    out += k_digits[b & 0x0f];
  }
  return out;
}

}  // namespace ztp::report
