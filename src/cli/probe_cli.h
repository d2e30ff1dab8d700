#pragma once
// Everything the probe binaries share: flags, host construction, identity,
// rendering, exit codes. A probe contributes only its name and its detector.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/agent_cli.h"
#include "common/clock.h"
#include "common/exit_codes.h"
#include "host/host_view.h"
#include "host/recording.h"
#include "report/document.h"

namespace ztp::cli {

struct ProbeSpec {
  std::string name;         // binary name, also probe.name in the document
  std::string description;  // one line for --help
  bool reads_cpu = false;   // offers --cpuid-file and --msr-file
  // Detects on the host and wraps the result in the envelope.
  std::function<report::Document(const host::HostView&, report::Envelope)> detect;
  // What --capture keeps of the detector's reads (cli/capture.h).
  std::function<host::CaptureRules()> capture_rules;
  // The TPM probe's audit quoter (--quote-pcrs, --tcti); empty for the CC probe.
  QuoterFactory make_quoter;
};

// The process environment the probe consults, gathered by main (tests pass their own).
struct Environment {
  std::optional<std::string> node_name;  // NODE_NAME (Downward API in the DaemonSet)
  std::optional<std::string> wave;       // ZTP_PREM_WAVE
  std::string hostname;
  static Environment from_process();
};

int run_probe(const std::vector<std::string>& args, const ProbeSpec& spec, const Environment& env,
              const Clock& clock, std::ostream& out, std::ostream& err);
// The same with agent mode's process context (--watch, --publish; see agent_cli.h).
int run_probe(const std::vector<std::string>& args, const ProbeSpec& spec, const Environment& env,
              const Clock& clock, std::ostream& out, std::ostream& err,
              const AgentRuntime& runtime);

// Prints doc as --format says ("json" | "text"); k_exit_internal when the stream fails.
int print_document(const report::Document& doc, const std::string& format, std::ostream& out);

// main() for a probe binary: real environment, clock, streams and signals; never throws.
int probe_main(int argc, char** argv, const ProbeSpec& spec);

ProbeSpec cc_probe();
ProbeSpec tpm_probe();

}  // namespace ztp::cli
