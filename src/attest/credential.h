#pragma once
// The verifier's half of credential activation (TPM 2.0 Part 1 section 24, "Credential
// Protection"; Part 3 TPM2_MakeCredential), computed in software: no TPM on the verifier.
// A node proves that its AK is loaded in the same TPM as its EK by answering with the
// secret only TPM2_ActivateCredential under that EK, for an object of that name, recovers.
//
// That proves only "an object with this name is loaded next to this EK" (research note
// attest.md section 0.2): the AK's attributes are checked separately
// (tpmquote::ak_from_public), and its name is a hash of exactly those attributes.

#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::attest {

// An endorsement key as the TCG EK Credential Profile's template L-1 makes it (RSA 2048,
// nameAlg SHA-256, restricted decrypt with AES-128-CFB; EK Credential Profile 2.0
// section B.3.3): the marshalled TPM2B_PUBLIC and its name.
struct EkPublic {
  std::string public_area;
  std::string name;
  std::string modulus;  // big-endian, 256 bytes
};
Result<EkPublic> ek_from_public(std::string_view tpm2b_public);

// TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, marshalled, as TPM2_ActivateCredential takes them.
struct Credential {
  std::string id_object;
  std::string encrypted_secret;
};
// secret: at most 32 bytes (a TPM2B_DIGEST of the EK's nameAlg). ak_name: the TPM name
// (nameAlg || digest) of the object the node must hold.
Result<Credential> make_credential(const EkPublic& ek, std::string_view ak_name,
                                   std::string_view secret);

// The AK's ADMIN role (which TPM2_ActivateCredential needs) must be its authValue, not a
// policy: adminWithPolicy CLEAR. A public area loaded alone with TPM2_LoadExternal gets any
// name and attributes the caller likes, but has no authValue (TPM_RC_AUTH_UNAVAILABLE,
// shown on swtpm by tests/attest); with adminWithPolicy SET its authPolicy, chosen by the
// caller, would be the way in.
Result<void> check_ak_admin_role(std::string_view tpm2b_public);

// KDFa (TPM 2.0 Part 1 section 11.4.10.2): SP 800-108 counter-mode HMAC-SHA256, with the
// label's terminating zero as the separator; OpenSSL's KBKDF computes exactly that.
Result<std::string> kdfa_sha256(std::string_view key, std::string_view label,
                                std::string_view context, std::size_t bytes);

// The EK certificate (DER, as the TPM's NV index 0x01C00002 holds it) chains to a CA in
// ca_bundle_pem and certifies exactly this EK's public key.
Result<void> check_ek_certificate(std::string_view certificate_der, const EkPublic& ek,
                                  std::string_view ca_bundle_pem);

}  // namespace ztp::attest
