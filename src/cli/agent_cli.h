#pragma once
// Agent mode of every probe binary: --watch, --publish, --nfd-features-dir.
// Built from the ProbeSpec alone, so both probes behave identically.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "agent/stop_signal.h"
#include "audit/record.h"
#include "common/clock.h"
#include "report/document.h"

namespace ztp::cli {

// Where the service account's token, CA and namespace are mounted in a pod
// (k8s.io/docs/tasks/run-application/access-api-from-pod/).
inline constexpr const char* k_service_account_dir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// What agent mode takes from the process beyond Environment; tests pass their own.
struct AgentRuntime {
  const agent::StopSignal* stop = nullptr;  // SIGTERM/SIGINT; none: --watch runs forever
  std::optional<std::string> service_host;  // $KUBERNETES_SERVICE_HOST
  std::optional<std::string> service_port;  // $KUBERNETES_SERVICE_PORT
  std::string service_account_dir = k_service_account_dir;
  std::uint64_t seed = 0;  // jitter; main seeds it randomly
  static AgentRuntime from_process(const agent::StopSignal& stop);
};

struct AgentFlags {
  bool watch = false;
  int interval_s = 60;
  int heartbeat_s = 600;
  std::vector<std::string> publish;
  std::optional<std::string> kubeconfig;
  std::optional<std::string> namespace_name;
  std::optional<std::string> nfd_dir;
  std::optional<std::string> health_file;
  std::optional<std::string> check_health;
  int health_max_age_s = 300;
  std::string log_level = "info";
  std::optional<std::string> audit_dir;        // sealed audit log (ztp-prem-audit setup)
  std::optional<std::string> audit_seed_file;  // create the log from this key (a Secret)
  // TPM agent only (ProbeSpec::make_quoter): quote every audit entry over this selection.
  std::optional<std::string> quote_pcrs;
  std::string tcti = "device:/dev/tpmrm0";

  bool active() const {
    return watch || !publish.empty() || nfd_dir.has_value() || check_health.has_value() ||
           audit_dir.has_value();
  }
};

void add_agent_flags(CLI::App& app, AgentFlags& flags);

// Builds the audit quoter from --tcti and --quote-pcrs (cmd/ztp-prem-tpm supplies the
// TPM one; the static ztp-prem-detect has none and offers neither flag).
using QuoterFactory =
    std::function<Result<audit::BootQuoter>(std::string_view tcti, std::string_view pcrs)>;

// The TPM agent's extra flags: --quote-pcrs and --tcti.
void add_quote_flags(CLI::App& app, AgentFlags& flags);

// Runs agent mode; produce() returns a fresh document each call. With make_quoter, the
// audit log is the TPM agent's: documents carry bootState, and --quote-pcrs quotes.
int run_agent(const AgentFlags& flags, const std::string& probe_name,
              const std::function<report::Document()>& produce, const AgentRuntime& runtime,
              const Clock& clock, std::ostream& out, std::ostream& err,
              const QuoterFactory& make_quoter = {});

}  // namespace ztp::cli
