// The verifier's parsers of outside input: the JSON request bodies nodes POST (and the
// answers a node parses), the EK and AK public areas inside them, and the credential
// and release envelopes; and the node's sealed cache file. The first byte picks the parser; the
// rest is its input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/credential.h"
#include "attest/protocol.h"
#include "attest/release.h"
#include "attest/sealed_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  namespace a = ztp::attest;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0:
      if (auto r = a::parse_register_request(input)) {
        if (auto ek = a::ek_from_public(r->ek_public)) {
          (void)a::make_credential(*ek, std::string(34, 'n'), "credential");
          if (r->ek_certificate) {
            (void)a::check_ek_certificate(*r->ek_certificate, *ek, "");
          }
        }
        (void)a::check_ak_admin_role(r->ak_public);
      }
      break;
    case 1:
      (void)a::parse_proof_request(input);
      break;
    case 2:
      (void)a::parse_nonce_request(input);
      break;
    case 3:
      (void)a::parse_attest_request(input);
      break;
    case 4:
      (void)a::parse_register_challenge(input);
      break;
    case 5:
      (void)a::parse_nonce_response(input);
      break;
    case 6:
      if (auto r = a::parse_release_response(input)) {
        if (auto key = a::EphemeralKey::generate()) {
          (void)key->open(r->envelope, std::string(32, 'n'), "aad");
        }
      }
      break;
    case 7:
      (void)a::parse_refusal(input);
      break;
    case 8:
      (void)a::ek_from_public(input);
      break;
    case 9:  // the node's sealed cache file (ztp-prem-tpm attest --cache)
      if (auto f = a::parse_sealed_cache(input)) {
        (void)a::decrypt_cached_secret(*f, std::string(a::k_cache_key_bytes, 'k'));
      }
      break;
    default:
      (void)a::seal_to(input, std::string(32, 'n'), "aad", "secret");
      break;
  }
  return 0;
}
