#include "cli/probe_cli.h"
#include "esapi/audit_quoter.h"
#include "report/tpm_status.h"
#include "tpm/tpm_detector.h"

namespace ztp::cli {

ProbeSpec tpm_probe() {
  ProbeSpec spec;
  spec.name = "ztp-prem-tpm";
  spec.description =
      "TPM surface and measured-boot readiness of this node, from sysfs and securityfs names "
      "only: never opens /dev/tpm*, never reads PCRs or logs. Detection, not attestation. "
      "Only --quote-pcrs (audit records bound to TPM quotes) talks to the TPM named by --tcti.";
  spec.reads_cpu = false;
  spec.detect = [](const host::HostView& host, report::Envelope envelope) {
    return report::make_tpm_status(std::move(envelope), tpm::detect(host));
  };
  spec.capture_rules = tpm::capture_rules;
  spec.make_quoter = esapi::make_audit_quoter;
  return spec;
}

}  // namespace ztp::cli
