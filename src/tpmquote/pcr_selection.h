#pragma once
// A PCR selection as the operator writes it ("sha256:0-7", "sha256:0,2,4-7+sha1:0") and as
// TPM2_Quote takes and signs it (TPML_PCR_SELECTION, TPM 2.0 Part 2 section 10.9.7).
// Parsing refuses a bank named twice: the TPM would sign such a list, and a verifier
// that reads values by position could then be fed another PCR's value (research note
// attest.md section 0.1). The marshalled form is what a verifier compares, byte for byte,
// with the selection inside the signed TPMS_ATTEST.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tss2/tss2_tpm2_types.h>

#include "common/result.h"

namespace ztp::tpmquote {

struct PcrBankSelection {
  std::uint16_t alg = 0;   // TPM_ALG_ID (TCG Algorithm Registry): 0x0004 sha1, 0x000B sha256
  std::uint32_t pcrs = 0;  // bit i = PCR i (0..23)
};

struct PcrSelection {
  std::vector<PcrBankSelection> banks;  // in the order given; each bank once
};

inline constexpr std::string_view k_default_selection = "sha256:0-7";

Result<PcrSelection> parse_pcr_selection(std::string_view text);
// Canonical text: banks in order, PCRs ascending with ranges ("sha256:0-7").
std::string to_text(const PcrSelection& selection);
// The TPML_PCR_SELECTION TPM2_Quote takes, with sizeofSelect = 3 (24 PCRs, the PC
// Client platform's PCR count; TCG PC Client PTP section 4.6).
TPML_PCR_SELECTION to_tpml(const PcrSelection& selection);
// to_tpml() marshalled by tss2 MU.
Result<std::string> marshal_selection(const PcrSelection& selection);

}  // namespace ztp::tpmquote
