#include "cc/cc_detector.h"
#include "cli/probe_cli.h"
#include "report/cc_status.h"

namespace ztp::cli {

ProbeSpec cc_probe() {
  ProbeSpec spec;
  spec.name = "ztp-prem-detect";
  spec.description =
      "Confidential Computing detection: is this node a CC guest, and which CC guests can it "
      "launch? Detection, not attestation.";
  spec.reads_cpu = true;
  spec.detect = [](const host::HostView& host, report::Envelope envelope) {
    return report::make_cc_status(std::move(envelope), cc::detect(host));
  };
  spec.capture_rules = cc::capture_rules;
  return spec;
}

}  // namespace ztp::cli
