#include "cc/cc_mode.h"

namespace ztp::cc {

std::string_view to_string(GuestMode mode) {
  switch (mode) {
    case GuestMode::none:
      return "none";
    case GuestMode::sev:
      return "sev";
    case GuestMode::sev_es:
      return "sev-es";
    case GuestMode::sev_snp:
      return "sev-snp";
    case GuestMode::tdx:
      return "tdx";
    case GuestMode::cca:
      return "cca";
    case GuestMode::protvirt:
      return "protvirt";
    case GuestMode::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(HostCapability capability) {
  switch (capability) {
    case HostCapability::sev:
      return "sev";
    case HostCapability::sev_es:
      return "sev-es";
    case HostCapability::sev_snp:
      return "sev-snp";
    case HostCapability::tdx:
      return "tdx";
    case HostCapability::protvirt:
      break;
  }
  return "protvirt";
}

}  // namespace ztp::cc
