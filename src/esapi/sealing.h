#pragma once
// A small secret sealed to this TPM under PolicyPCR AND a TPM-clock expiry (research note
// attest.md section 0.6 and 5.1): the node's local copy of a released secret
// (`ztp-prem-tpm attest --cache`, docs/attest.md "Sealed local cache").
//
// The object is a keyed-hash data object under a storage primary (SRK) recreated from a
// fixed template in the owner hierarchy (the same key every boot; a TPM2_Clear changes the
// owner seed, and the blob no longer loads). Its authPolicy is
//   PolicyPCR(selection, current values) then PolicyCounterTimer(clock < expiry)
// (TPM 2.0 Part 3 sections 23.7 and 23.10), and it has no userWithAuth, so only a policy
// session in that boot state, before that TPM clock value, can TPM2_Unseal it. The PCR
// values never leave the TPM: a trial session computes the policy digest.
//
// Every object and session is flushed before a call returns (swtpm holds three transient
// objects; attest.md section 5.2); noDA everywhere, so failed unseals never lock out.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "esapi/esapi_session.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::esapi {

inline constexpr std::size_t k_max_sealed_bytes = 128;  // MAX_SYM_DATA (TPM 2.0 Part 2 10.4.7)

struct SealedObject {
  std::string public_area;        // marshalled TPM2B_PUBLIC (holds the policy digest, not the PCRs)
  std::string private_area;       // marshalled TPM2B_PRIVATE (encrypted by the SRK: this TPM only)
  std::string policy_digest;      // authPolicy, 32 bytes
  std::uint64_t expires_clock{};  // TPMS_CLOCK_INFO.clock (ms) the unseal must be below
};

// TPMS_TIME_INFO.clockInfo.clock: milliseconds the TPM has been powered since its last
// TPM2_Clear; never set backwards (TPM2_ClockSet refuses; Part 1 section 36.2).
Result<std::uint64_t> tpm_clock(Session& session);

// Seals data (at most k_max_sealed_bytes) to the current values of selection until the
// TPM clock reaches expires_clock.
Result<SealedObject> seal(Session& session, std::string_view data,
                          const tpmquote::PcrSelection& selection, std::uint64_t expires_clock);

enum class UnsealRefusal {
  none,
  boot_state_changed,  // PolicyPCR's digest differs: the PCRs are not the sealed ones
  expired,             // PolicyCounterTimer failed: the TPM clock passed the expiry
  not_this_tpm,        // the blob does not load (another TPM, or its owner seed changed)
};

struct Unsealed {
  UnsealRefusal refusal = UnsealRefusal::none;
  std::string data;  // when refusal == none
};

// A refusal by the TPM's policy is a value; an Error is a fault (TPM unreachable, a blob
// that is not a TPM2B structure).
Result<Unsealed> unseal(Session& session, const SealedObject& object,
                        const tpmquote::PcrSelection& selection);

}  // namespace ztp::esapi
