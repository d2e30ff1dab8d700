#include "tpm/tpm_family.h"

namespace ztp::tpm {

std::string_view to_string(Family family) {
  switch (family) {
    case Family::tpm2_rm:
      return "tpm2-rm";
    case Family::tpm2_raw:
      return "tpm2-raw";
    case Family::tpm1_2:
      return "tpm1.2";
    case Family::absent:
      return "absent";
    case Family::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(Readiness readiness) {
  switch (readiness) {
    case Readiness::ready:
      return "ready";
    case Readiness::partial:
      return "partial";
    case Readiness::none:
      break;
  }
  return "none";
}

std::string_view to_string(FirmwareTable table) {
  switch (table) {
    case FirmwareTable::tpm2:
      return "TPM2";
    case FirmwareTable::tcpa:
      return "TCPA";
    case FirmwareTable::none:
      break;
  }
  return "none";
}

std::string_view to_string(Missing missing) {
  switch (missing) {
    case Missing::tpm2:
      return "tpm2";
    case Missing::driver:
      return "driver";
    case Missing::hardware_chip:
      return "hardwareChip";
    case Missing::resource_manager:
      return "resourceManager";
    case Missing::event_log:
      break;
  }
  return "eventLog";
}

}  // namespace ztp::tpm
