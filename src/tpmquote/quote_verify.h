#pragma once
// Off-node checks of a TPM2_Quote made by ztp-prem's attestation key (AK), with no TPM:
// tss2 MU for the structures, OpenSSL 3 for the hash and the ECDSA signature. Pure
// functions over bytes; every input is outside input (a node's audit log, an AK file).
//
// Rules from the research note (attest.md section 6): the signed selection must equal
// the expected one byte for byte (R1); an AK is accepted only when its public area is a
// restricted, TPM-resident signing key (R2); only TPMS_ATTEST and the signature travel,
// never PCR values (R4).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::tpmquote {

// The AK's public area (marshalled TPM2B_PUBLIC) and its TPM name (nameAlg || H(TPMT_PUBLIC),
// TPM 2.0 Part 1 section 16), as raw bytes.
struct AkPublic {
  std::string public_area;
  std::string name;
};

// Unmarshals a TPM2B_PUBLIC (exact length), checks the AK attributes (ECC P-256, ECDSA
// with SHA-256, nameAlg SHA-256; restricted, sign, fixedTPM, fixedParent,
// sensitiveDataOrigin; not decrypt) and computes the name.
Result<AkPublic> ak_from_public(std::string_view tpm2b_public);

// The AK file `ztp-prem-tpm ak --out` writes: one JSON object,
// {"format":"ztp-prem-ak/v1","name":"000b<hex>","public":"<base64 TPM2B_PUBLIC>"}.
std::string ak_file_text(const AkPublic& ak);
// Reads it back; the name in the file must equal the one computed from the public area.
Result<AkPublic> parse_ak_file(std::string_view text);

// What a quote's TPMS_ATTEST says (TPM 2.0 Part 2 section 10.12.12).
struct QuoteBody {
  std::string extra_data;        // qualifyingData as the TPM signed it
  std::string signed_selection;  // TPML_PCR_SELECTION re-marshalled from the signed bytes
  std::string pcr_digest;        // SHA-256 over the selected PCR values
};

// magic = TPM_GENERATED_VALUE, type = TPM_ST_ATTEST_QUOTE, and the whole buffer consumed.
Result<QuoteBody> parse_quote_attest(std::string_view attest);

// ECDSA-SHA256 TPMT_SIGNATURE (marshalled) over attest by ak.
Result<void> verify_quote_signature(const AkPublic& ak, std::string_view attest,
                                    std::string_view signature);

// The same with the AK's OpenSSL key built once (verify checks thousands of records with
// one AK; building the key is most of the cost of one check).
class SignatureVerifier {
 public:
  static Result<SignatureVerifier> create(const AkPublic& ak);
  Result<void> verify(std::string_view attest, std::string_view signature) const;

 private:
  std::shared_ptr<void> m_key;  // EVP_PKEY
  std::shared_ptr<void> m_ctx;  // EVP_PKEY_CTX after EVP_PKEY_verify_init, SHA-256 set
};

}  // namespace ztp::tpmquote
