#pragma once
// Valid documents for fleet tests, built as JSON values so each test changes one field.

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "fleet/fleet_state.h"

namespace ztp::testing {

inline nlohmann::ordered_json cc_doc(const std::string& node, const std::string& at,
                                     const std::string& mode = "sev-snp") {
  nlohmann::ordered_json j;
  j["apiVersion"] = "ztp-prem.tlsstress.art/v1";
  j["kind"] = "CCStatus";
  j["node"] = node;
  j["generatedAt"] = at;
  j["wave"] = "wave-1";
  j["probe"] = {{"name", "ztp-prem-detect"}, {"version", "0.1.0"}};
  j["mode"] = mode;
  j["hostCapabilities"] = nlohmann::ordered_json::array({"sev", "sev-snp"});
  nlohmann::ordered_json s;
  for (const char* name : {"cpuidAvailable", "hypervisorPresent", "msrSevStatusReadable",
                           "sevGuestPlatformDevice", "tdxGuestDeviceNode", "ccaPlatformDevice",
                           "s390ProtVirtGuest", "kvmAmdSev", "kvmIntelTdx", "s390ProtVirtHost"}) {
    s[name] = false;
  }
  j["signals"] = s;
  j["evidence"] = {"guest: test"};
  j["enforcement"] = "advisory";
  return j;
}

inline nlohmann::ordered_json tpm_doc(const std::string& node, const std::string& at,
                                      const std::string& family = "tpm2-rm",
                                      const std::string& verdict = "partial") {
  nlohmann::ordered_json j;
  j["apiVersion"] = "ztp-prem.tlsstress.art/v1";
  j["kind"] = "TPMStatus";
  j["node"] = node;
  j["generatedAt"] = at;
  j["wave"] = "wave-2";
  j["probe"] = {{"name", "ztp-prem-tpm"}, {"version", "0.1.0"}};
  j["family"] = family;
  j["measuredBoot"] = {
      {"eventLog", false}, {"ima", false}, {"pcrBanks", {"sha256"}}, {"firmwareTable", "TPM2"}};
  j["readiness"] = {{"verdict", verdict},
                    {"missing", verdict == "ready" ? nlohmann::ordered_json::array()
                                                   : nlohmann::ordered_json({"eventLog"})}};
  nlohmann::ordered_json s;
  for (const char* name :
       {"tpmClassPresent", "tpmChipPresent", "tpmrmSysfs", "versionMajorFile", "tpm1Attributes",
        "virtualChip", "rawDeviceNode", "rmDeviceNode", "deviceNodeHidden", "familyContradiction",
        "eventLog", "imaMeasurements", "acpiTpm2Table", "acpiTcpaTable", "firmwareWithoutDriver"}) {
    s[name] = false;
  }
  j["signals"] = s;
  j["evidence"] = {"tpm0: test"};
  j["enforcement"] = "advisory";
  return j;
}

// The update a source makes of bytes read for node's document of probe.
inline fleet::DocumentUpdate update(const std::string& node, fleet::Probe probe,
                                    const std::string& bytes) {
  fleet::DocumentUpdate u;
  u.node = node;
  u.probe = probe;
  u.document = fleet::parse_status_document(bytes, probe, node);
  return u;
}

}  // namespace ztp::testing
