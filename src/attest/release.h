#pragma once
// The released secret on the wire: encrypted to the node's ephemeral P-256 key, whose
// public point the TPM signed inside the quote's qualifying data (research note attest.md
// rule R6). ECDH P-256 (SEC 1 section 3.3.1) -> HKDF-SHA256 (RFC 5869) -> AES-256-GCM
// (NIST SP 800-38D), all OpenSSL 3 EVP. The verifier uses a fresh key pair per release,
// so a captured response opens only with the node's ephemeral private key, which never
// leaves that node's process memory.

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::attest {

inline constexpr std::size_t k_nonce_bytes = 32;
inline constexpr std::size_t k_point_bytes = 65;  // uncompressed P-256 point (SEC 1 2.3.3)

// The quote's qualifying data: SHA-256("ztp-prem attest v1" 0x00 || nonce ||
// ephemeral point || node). Binding the node name stops one node's quote being
// presented for another.
Result<std::string> quote_binding(std::string_view nonce, std::string_view ephemeral_point,
                                  std::string_view node);

struct Envelope {
  std::string verifier_point;  // the verifier's one-time public point (65 bytes)
  std::string iv;              // 12 bytes
  std::string ciphertext;      // AES-256-GCM ciphertext followed by its 16-byte tag
};

// Verifier side. aad binds the context (node, secret name); nonce salts the HKDF.
Result<Envelope> seal_to(std::string_view recipient_point, std::string_view nonce,
                         std::string_view aad, std::string_view secret);

// AES-256-GCM with a 12-byte iv; the output (input when decrypting) is the ciphertext
// followed by its 16-byte tag. A tag that does not authenticate is bad_input. The release
// and the node's sealed cache (sealed_file.h) both use it.
Result<std::string> aes256_gcm(bool encrypt, std::string_view key, std::string_view iv,
                               std::string_view aad, std::string_view in);

// Node side: a P-256 key pair for one attest round.
class EphemeralKey {
 public:
  static Result<EphemeralKey> generate();
  const std::string& public_point() const { return m_point; }
  Result<std::string> open(const Envelope& envelope, std::string_view nonce,
                           std::string_view aad) const;

 private:
  std::shared_ptr<void> m_key;  // EVP_PKEY
  std::string m_point;
};

}  // namespace ztp::attest
