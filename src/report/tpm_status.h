#pragma once
// The TPMStatus document: a TPM detection in the shared envelope.

#include "report/document.h"
#include "tpm/tpm_detector.h"

namespace ztp::report {

inline constexpr std::string_view k_tpm_status_kind = "TPMStatus";

// Body, in order: family, measuredBoot {eventLog, ima, pcrBanks, firmwareTable},
// readiness {verdict, missing}.
Document make_tpm_status(Envelope envelope, tpm::TpmDetection detection);

}  // namespace ztp::report
