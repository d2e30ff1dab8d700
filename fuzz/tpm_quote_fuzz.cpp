// The quote verifier's parsers of outside input: a PCR selection (a flag), an AK file
// (the operator's copy), and a TPMS_ATTEST / TPMT_SIGNATURE pair from a node's audit log.
// The first byte picks the parser; the rest is its input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tpmquote/pcr_selection.h"
#include "tpmquote/quote_verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      if (auto sel = ztp::tpmquote::parse_pcr_selection(input)) {
        (void)ztp::tpmquote::to_text(*sel);
        (void)ztp::tpmquote::marshal_selection(*sel);
      }
      break;
    case 1:
      (void)ztp::tpmquote::parse_ak_file(input);
      break;
    case 2:
      (void)ztp::tpmquote::parse_quote_attest(input);
      break;
    default:
      if (auto ak = ztp::tpmquote::ak_from_public(input.substr(0, input.size() / 2))) {
        (void)ztp::tpmquote::verify_quote_signature(*ak, input, input.substr(input.size() / 2));
      }
      break;
  }
  return 0;
}
