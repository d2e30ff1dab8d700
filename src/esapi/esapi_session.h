#pragma once
// A TPM 2.0 reached through tpm2-tss ESAPI: the swtpm tests, and the attestation key
// and quotes of the sealed audit log (attestation.h). The probe's detection never opens
// a TPM (issue 3); only the agent's --quote-pcrs does, and only the TCTI it is given.
//
// The TCTI is always named explicitly ("swtpm:host=127.0.0.1,port=N" or
// "device:/dev/tpmrm0"). An empty or default configuration is refused: tctildr would
// otherwise probe /dev/tpmrm0, /dev/tpm0 and then silently connect to whatever
// listens on localhost:2321 (research note tpm.md section 4, "Hazard found").

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct ESYS_CONTEXT;  // tss2_esys.h; kept out of this header

namespace ztp::esapi {

// One PCR bank the TPM reports in TPM2_GetCapability(TPM2_CAP_PCRS).
struct PcrBank {
  std::uint16_t alg = 0;       // TPM_ALG_ID (TCG Algorithm Registry)
  unsigned selected_pcrs = 0;  // number of PCRs allocated in this bank; 0 = not allocated
};

// Accepts only "swtpm:host=H,port=N" (both keys present) or "device:/dev/<node>".
Result<std::string> validate_tcti_config(std::string_view config);

// The kernel's name for a bank, as in /sys/class/tpm/tpmN/pcr-<name> (crypto/hash_info.c
// hash_algo_name, indexed through tpm2_init_bank_info); nullopt for algorithms the
// kernel has no hash for, which get no sysfs directory.
std::optional<std::string_view> kernel_bank_name(std::uint16_t alg);

// TPM2_PT_FAMILY_INDICATOR packs four ASCII bytes big-endian: 0x322E3000 -> "2.0".
std::string decode_family_indicator(std::uint32_t value);

class Session {
 public:
  static Result<Session> open(std::string_view tcti_config);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) = delete;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // TPM2_Startup(CLEAR); "already initialized" counts as success.
  Result<bool> startup_clear();
  // TPM2_GetCapability(TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FAMILY_INDICATOR): "2.0".
  Result<std::string> family_indicator();
  // TPM2_GetCapability(TPM2_CAP_PCRS): every bank with its allocation.
  Result<std::vector<PcrBank>> pcr_banks();

  // For the other ESAPI calls of this component (attestation.cpp).
  ESYS_CONTEXT* context() const;

 private:
  struct Handles;
  explicit Session(std::unique_ptr<Handles> handles);
  std::unique_ptr<Handles> m_handles;
};

}  // namespace ztp::esapi
