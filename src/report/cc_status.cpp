#include "report/cc_status.h"

namespace ztp::report {

Document make_cc_status(Envelope envelope, cc::CcDetection detection) {
  Document doc;
  envelope.kind = k_cc_status_kind;
  doc.envelope = std::move(envelope);
  doc.body["mode"] = cc::to_string(detection.mode);
  auto capabilities = nlohmann::ordered_json::array();
  for (const auto cap : detection.host_capabilities) {
    capabilities.push_back(cc::to_string(cap));
  }
  doc.body["hostCapabilities"] = std::move(capabilities);
  doc.findings = std::move(detection.findings);
  return doc;
}

}  // namespace ztp::report
