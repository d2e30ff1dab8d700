#pragma once
// The CCStatus document: a CC detection in the shared envelope.

#include "cc/cc_detector.h"
#include "report/document.h"

namespace ztp::report {

inline constexpr std::string_view k_cc_status_kind = "CCStatus";

Document make_cc_status(Envelope envelope, cc::CcDetection detection);

}  // namespace ztp::report
