#include "report/tpm_status.h"

namespace ztp::report {

Document make_tpm_status(Envelope envelope, tpm::TpmDetection detection) {
  Document doc;
  envelope.kind = k_tpm_status_kind;
  doc.envelope = std::move(envelope);
  doc.body["family"] = tpm::to_string(detection.family);
  const tpm::MeasuredBoot& mb = detection.measured_boot;
  nlohmann::ordered_json measured = nlohmann::ordered_json::object();
  measured["eventLog"] = mb.event_log;
  measured["ima"] = mb.ima;
  measured["pcrBanks"] = mb.pcr_banks;
  measured["firmwareTable"] = tpm::to_string(mb.firmware_table);
  doc.body["measuredBoot"] = std::move(measured);
  nlohmann::ordered_json readiness = nlohmann::ordered_json::object();
  readiness["verdict"] = tpm::to_string(detection.readiness);
  auto missing = nlohmann::ordered_json::array();
  for (const auto m : detection.missing) {
    missing.push_back(tpm::to_string(m));
  }
  readiness["missing"] = std::move(missing);
  doc.body["readiness"] = std::move(readiness);
  doc.findings = std::move(detection.findings);
  return doc;
}

}  // namespace ztp::report
