#include "esapi/esapi_session.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

#include <bitset>
#include <cstdio>
#include <cstdlib>

namespace ztp::esapi {
namespace {

std::string rc_text(std::string_view what, TSS2_RC rc) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(rc));
  std::string out(what);
  out.append(" failed: TSS2_RC ").append(hex);
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

struct Session::Handles {
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  ESYS_CONTEXT* esys = nullptr;
  ~Handles() {
    if (esys != nullptr) {
      Esys_Finalize(&esys);
    }
    if (tcti != nullptr) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // tss2_tcti.h's C macro
      Tss2_Tcti_Finalize(tcti);
#pragma GCC diagnostic pop
      std::free(tcti);
    }
  }
};

namespace {

// The two TCTIs linked in directly instead of through tctildr, which would dlopen them
// (and probe defaults): `ldd ztp-prem-tpm` then names every library the binary loads.
using TctiInit = TSS2_RC (*)(TSS2_TCTI_CONTEXT*, size_t*, const char*);

Result<TSS2_TCTI_CONTEXT*> init_tcti(const std::string& config) {
  const bool swtpm = starts_with(config, "swtpm:");
  const TctiInit init = swtpm ? Tss2_Tcti_Swtpm_Init : Tss2_Tcti_Device_Init;
  const std::string conf = config.substr(config.find(':') + 1);
  size_t size = 0;
  TSS2_RC rc = init(nullptr, &size, conf.c_str());
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("TCTI size query (" + config + ")", rc));
  }
  auto* ctx = static_cast<TSS2_TCTI_CONTEXT*>(std::calloc(1, size));
  if (ctx == nullptr) {
    return fail(ErrorKind::io_error, "out of memory for the TCTI context");
  }
  rc = init(ctx, &size, conf.c_str());
  if (rc != TSS2_RC_SUCCESS) {
    std::free(ctx);
    return fail(ErrorKind::io_error, rc_text("TCTI initialisation (" + config + ")", rc));
  }
  return ctx;
}

}  // namespace

Result<std::string> validate_tcti_config(std::string_view config) {
  // tpm2-tss tcti-swtpm: "host=...,port=..."; tcti-device: a device path.
  if (starts_with(config, "swtpm:")) {
    const std::string_view conf = config.substr(6);
    if (conf.find("host=") != std::string_view::npos &&
        conf.find("port=") != std::string_view::npos) {
      return std::string(config);
    }
  } else if (starts_with(config, "device:/dev/") && config.size() > 12) {
    return std::string(config);
  }
  return fail(ErrorKind::bad_input, "TCTI configuration '" + std::string(config) +
                                        "' does not name a TPM: use swtpm:host=H,port=N or "
                                        "device:/dev/tpmrmN (no default probing)");
}

std::optional<std::string_view> kernel_bank_name(std::uint16_t alg) {
  switch (alg) {
    case TPM2_ALG_SHA1:
      return "sha1";
    case TPM2_ALG_SHA256:
      return "sha256";
    case TPM2_ALG_SHA384:
      return "sha384";
    case TPM2_ALG_SHA512:
      return "sha512";
    case TPM2_ALG_SM3_256:
      return "sm3";
    case TPM2_ALG_SHA3_256:
      return "sha3-256";
    case TPM2_ALG_SHA3_384:
      return "sha3-384";
    case TPM2_ALG_SHA3_512:
      return "sha3-512";
    default:
      return std::nullopt;
  }
}

std::string decode_family_indicator(std::uint32_t value) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<char>((value >> shift) & 0xffu);
    if (c == '\0') {
      break;
    }
    out.push_back(c);
  }
  return out;
}

Session::Session(std::unique_ptr<Handles> handles) : m_handles(std::move(handles)) {}
Session::Session(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::open(std::string_view tcti_config) {
  auto config = validate_tcti_config(tcti_config);
  if (!config) {
    return tl::unexpected(config.error());
  }
  auto handles = std::make_unique<Handles>();
  auto tcti = init_tcti(*config);
  if (!tcti) {
    return tl::unexpected(tcti.error());
  }
  handles->tcti = *tcti;
  const TSS2_RC rc = Esys_Initialize(&handles->esys, handles->tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("Esys_Initialize", rc));
  }
  return Session(std::move(handles));
}

Result<bool> Session::startup_clear() {
  const TSS2_RC rc = Esys_Startup(m_handles->esys, TPM2_SU_CLEAR);
  if (rc == TSS2_RC_SUCCESS || rc == TPM2_RC_INITIALIZE) {
    return true;
  }
  return fail(ErrorKind::io_error, rc_text("Esys_Startup", rc));
}

ESYS_CONTEXT* Session::context() const { return m_handles->esys; }

Result<std::string> Session::family_indicator() {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* data = nullptr;
  const TSS2_RC rc =
      Esys_GetCapability(m_handles->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                         TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FAMILY_INDICATOR, 1, &more, &data);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("Esys_GetCapability(TPM_PROPERTIES)", rc));
  }
  std::unique_ptr<TPMS_CAPABILITY_DATA, void (*)(void*)> guard(data, Esys_Free);
  const TPML_TAGGED_TPM_PROPERTY& props = data->data.tpmProperties;
  if (props.count < 1 || props.tpmProperty[0].property != TPM2_PT_FAMILY_INDICATOR) {
    return fail(ErrorKind::bad_input, "TPM did not report TPM2_PT_FAMILY_INDICATOR");
  }
  return decode_family_indicator(props.tpmProperty[0].value);
}

Result<std::vector<PcrBank>> Session::pcr_banks() {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* data = nullptr;
  const TSS2_RC rc = Esys_GetCapability(m_handles->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_PCRS, 0, TPM2_NUM_PCR_BANKS, &more, &data);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::io_error, rc_text("Esys_GetCapability(PCRS)", rc));
  }
  std::unique_ptr<TPMS_CAPABILITY_DATA, void (*)(void*)> guard(data, Esys_Free);
  const TPML_PCR_SELECTION& sel = data->data.assignedPCR;
  std::vector<PcrBank> banks;
  for (std::uint32_t i = 0; i < sel.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    const TPMS_PCR_SELECTION& s = sel.pcrSelections[i];
    PcrBank bank;
    bank.alg = s.hash;
    for (std::uint8_t b = 0; b < s.sizeofSelect && b < TPM2_PCR_SELECT_MAX; ++b) {
      bank.selected_pcrs += static_cast<unsigned>(std::bitset<8>(s.pcrSelect[b]).count());
    }
    banks.push_back(bank);
  }
  return banks;
}

}  // namespace ztp::esapi
