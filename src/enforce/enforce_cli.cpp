#include "enforce/enforce_cli.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/cli_values.h"
#include "common/command_line.h"
#include "enforce/controller.h"
#include "fleet/k8s_source.h"
#include "fleet/vocabulary.h"
#include "k8s/tls_transport.h"

namespace ztp::enforce {
namespace {

constexpr const char* k_name = "ztp-prem-enforce";
// The service account mount of a pod (k8s.io/docs/tasks/run-application/access-api-from-pod/).
constexpr const char* k_service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
constexpr std::chrono::seconds k_request_timeout{30};

struct Connection {
  k8s::ClusterConfig config;
  std::unique_ptr<k8s::TlsTransport> transport;
  std::unique_ptr<k8s::ApiClient> api;
  std::string namespace_name;
};

Result<k8s::ClusterConfig> cluster_config(const std::string& kubeconfig) {
  return !kubeconfig.empty()
             ? k8s::load_kubeconfig(kubeconfig)
             : k8s::in_cluster_config(env_value("KUBERNETES_SERVICE_HOST"),
                                      env_value("KUBERNETES_SERVICE_PORT"), k_service_account_dir);
}

Result<std::unique_ptr<k8s::TlsTransport>> transport_for(const k8s::ClusterConfig& config,
                                                         int cancel_fd) {
  k8s::TlsOptions tls = k8s::tls_options_for(config);
  tls.timeout = k_request_timeout;
  tls.cancel_fd = cancel_fd;
  return k8s::TlsTransport::create(std::move(tls));
}

Result<Connection> connect(const std::string& kubeconfig, const std::string& namespace_name) {
  Connection c;
  auto config = cluster_config(kubeconfig);
  if (!config) {
    return tl::unexpected(config.error());
  }
  c.config = std::move(*config);
  auto transport = transport_for(c.config, -1);
  if (!transport) {
    return tl::unexpected(transport.error());
  }
  c.transport = std::move(*transport);
  c.api = std::make_unique<k8s::ApiClient>(*c.transport, c.config.credentials, c.config.base_path,
                                           std::string(k_name) + "/" + ZTP_VERSION);
  c.namespace_name =
      !namespace_name.empty() ? namespace_name : c.config.namespace_name.value_or("ztp-prem");
  return c;
}

int fault(std::ostream& err, const Error& e) {
  err << k_name << ": " << e.message << "\n";
  return e.kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
}

struct ControllerFlags {
  std::string kubeconfig;
  std::string namespace_name;
  std::vector<std::string> modes = default_modes();
  bool require_tpm_ready = false;
  bool require_attestation = false;
  std::string max_staleness = "30m";
  std::string resync = "30s";
  bool once = false;
};

std::string summary_json(const ReconcileResult& r) {
  nlohmann::ordered_json j;
  j["nodes"] = r.nodes;
  j["eligible"] = r.eligible;
  j["labelsSet"] = r.labels_set;
  j["labelsRemoved"] = r.labels_removed;
  j["shards"] = r.shards;
  j["shardWrites"] = r.shard_writes;
  j["events"] = r.events;
  j["eventsFailed"] = r.events_failed;
  j["tierbPods"] = r.preflight.tierb_pods;
  j["wouldRefuse"] = r.preflight.would_refuse;
  // The metric's value (docs/enforcement.md "Reports").
  j["ztp_prem_tierb_pods_on_ineligible_nodes"] = r.preflight.on_ineligible_nodes;
  return j.dump();
}

void log_reconciled(log::Logger& logger, const ReconcileResult& result,
                    std::chrono::milliseconds took) {
  logger.info("enforce.reconciled",
              {{"nodes", result.nodes},
               {"eligible", result.eligible},
               {"labelsSet", result.labels_set},
               {"labelsRemoved", result.labels_removed},
               {"shardWrites", result.shard_writes},
               {"events", result.events},
               {"eventsFailed", result.events_failed},
               {"ms", took.count()},
               {"ztp_prem_tierb_pods_on_ineligible_nodes", result.preflight.on_ineligible_nodes}});
}

// Reconciles whenever the fleet model changes, and at least every resync, until shutdown
// (or once with --once). Returns the exit code.
int reconcile_until_stopped(fleet::FleetState& state, Controller& controller,
                            const ControllerFlags& flags, std::chrono::seconds resync,
                            const Clock& clock, log::Logger& logger, std::ostream& out) {
  std::uint64_t seen = 0;
  while (!state.shutting_down()) {
    // Until the first list completes, look often; then wake on a change or at --resync.
    const auto wait = state.ready() ? std::chrono::duration_cast<std::chrono::milliseconds>(resync)
                                    : std::chrono::milliseconds(100);
    seen = state.wait_for_revision(seen, wait);
    if (state.shutting_down()) {
      break;
    }
    if (!state.ready()) {
      continue;  // the first list is not complete: every node would look document-less
    }
    const auto started = clock.monotonic_now();
    auto result = controller.reconcile(*state.snapshot());
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.monotonic_now() - started);
    if (!result) {
      logger.warn("enforce.reconcile_failed", {{"reason", result.error().message}});
      if (flags.once) {
        return k_exit_internal;
      }
      continue;
    }
    log_reconciled(logger, *result, took);
    if (flags.once) {
      out << summary_json(*result) << "\n";
      break;
    }
  }
  return k_exit_ok;
}

fleet::K8sSourceOptions source_options_for(const Connection& conn) {
  fleet::K8sSourceOptions options;
  options.namespace_name = conn.namespace_name;
  options.base_path = conn.config.base_path;
  options.credentials = conn.config.credentials;
  options.user_agent = std::string(k_name) + "/" + ZTP_VERSION;
  return options;
}

int run_controller(const ControllerFlags& flags, std::ostream& out, std::ostream& err) {
  const auto staleness = parse_duration(flags.max_staleness);
  const auto resync = parse_duration(flags.resync);
  if (!staleness || !resync) {
    err << k_name << ": --max-staleness and --resync take a duration like 30m or 45s\n";
    return k_exit_usage;
  }
  auto policy =
      make_policy(flags.modes, flags.require_tpm_ready, flags.require_attestation, *staleness);
  if (!policy) {
    return fault(err, policy.error());
  }
  auto conn = connect(flags.kubeconfig, flags.namespace_name);
  if (!conn) {
    return fault(err, conn.error());
  }
  // Signals go to a dedicated thread (sigwait), so block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd < 0) {
    err << k_name << ": eventfd failed\n";
    return k_exit_internal;
  }
  auto watch_transport = transport_for(conn->config, stop_fd);
  if (!watch_transport) {
    ::close(stop_fd);
    return fault(err, watch_transport.error());
  }
  SystemClock clock;
  log::Logger logger(err, clock);
  // The fleet's own model and source: the same list+watch and validation of the agents'
  // documents as ztp-prem-fleet (src/fleet), so both see the same rows.
  fleet::FleetState state(clock, *staleness);
  fleet::K8sSource source(**watch_transport, state, logger, source_options_for(*conn), stop_fd);
  source.start();
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    const std::uint64_t one = 1;
    (void)!::write(stop_fd, &one, sizeof one);
    state.shutdown();
  });
  Controller controller(*conn->api, conn->namespace_name, *policy, clock);
  const int code = reconcile_until_stopped(state, controller, flags, *resync, clock, logger, out);
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  source.stop();
  ::close(stop_fd);
  return code;
}

int run_preflight(const std::string& kubeconfig, const std::string& namespace_name,
                  const std::string& format, std::ostream& out, std::ostream& err) {
  auto conn = connect(kubeconfig, namespace_name);
  if (!conn) {
    return fault(err, conn.error());
  }
  // What the API server would check: the shards as published, not a verdict of our own.
  auto shards = read_shards(*conn->api, conn->namespace_name);
  auto nodes = shards ? list_nodes(*conn->api) : tl::unexpected(shards.error());
  if (!nodes) {
    return fault(err, nodes.error());
  }
  Verdicts verdicts;
  std::vector<std::string> names;
  for (const auto& n : *nodes) {
    names.push_back(n.name);
    Verdict v{false, Reason::not_published, {}, "not in ztp-prem-cc-nodes"};
    for (const auto& [shard, data] : *shards) {
      if (const auto it = data.find(n.name); it != data.end()) {
        v = Verdict{true, Reason::eligible, it->second, "listed in " + shard};
      }
    }
    verdicts.emplace(n.name, std::move(v));
  }
  auto report = cluster_preflight(*conn->api, names, verdicts, !shards->empty(),
                                  std::chrono::system_clock::now());
  if (!report) {
    return fault(err, report.error());
  }
  out << (format == "json" ? preflight_json(*report) + "\n" : preflight_text(*report));
  return report->clear() ? k_exit_ok : k_exit_preflight_refusals;
}

int run_mode(const std::string& kubeconfig, const std::string& wanted, std::ostream& out,
             std::ostream& err) {
  auto conn = connect(kubeconfig, "");
  if (!conn) {
    return fault(err, conn.error());
  }
  if (wanted.empty()) {
    auto state = read_mode(*conn->api);
    if (!state) {
      return fault(err, state.error());
    }
    out << state->mode << "\n";
    return vocab::parse<Mode>(state->mode) ? k_exit_ok : k_exit_internal;
  }
  auto changed = set_mode(*conn->api, vocab::parse<Mode>(wanted).value_or(Mode::advisory));
  if (!changed) {
    return fault(err, changed.error());
  }
  for (const auto& line : *changed) {
    out << line << "\n";
  }
  if (changed->empty()) {
    out << "mode already " << wanted << ": nothing changed\n";
  }
  return k_exit_ok;
}

}  // namespace

int run_enforce(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Keeps Tier B pods off nodes that are not confidential (docs/enforcement.md)",
               k_name};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ZTP_VERSION));

  ControllerFlags cf;
  auto* controller = app.add_subcommand(
      "controller", "Write the restricted node label, the eligible-node shards and the report");
  controller->add_option("--kubeconfig", cf.kubeconfig, "Kubeconfig file (default: in-cluster)");
  controller->add_option("--namespace", cf.namespace_name,
                         "Namespace of the agents' documents and of the shards");
  controller
      ->add_option("--allow-mode", cf.modes, "A CC mode that makes a node eligible (repeatable)")
      ->capture_default_str();
  controller->add_flag("--require-tpm-ready", cf.require_tpm_ready,
                       "Eligible only with TPM readiness \"ready\"");
  controller->add_flag("--require-attestation", cf.require_attestation,
                       "Eligible only with a verified attestation");
  controller->add_option("--max-staleness", cf.max_staleness, "Older documents do not count")
      ->capture_default_str();
  controller->add_option("--resync", cf.resync, "Reconcile at least this often")
      ->capture_default_str();
  controller->add_flag("--once", cf.once, "One reconcile after the first list, a summary, exit");

  std::string kubeconfig;
  std::string namespace_name;
  std::string format = "text";
  auto* preflight =
      app.add_subcommand("preflight", "What enforcing would refuse now (exit 5 if anything)");
  preflight->add_option("--kubeconfig", kubeconfig, "Kubeconfig file (default: in-cluster)");
  preflight->add_option("--namespace", namespace_name, "Namespace of the shards");
  preflight->add_option("--format", format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  std::string wanted;
  auto* mode = app.add_subcommand("mode", "Print the mode in force, or flip it");
  mode->add_option("mode", wanted, "advisory or enforcing")
      ->check(CLI::IsMember(std::vector<std::string>(fleet::k_enforcement_modes.begin(),
                                                     fleet::k_enforcement_modes.end())));
  mode->add_option("--kubeconfig", kubeconfig, "Kubeconfig file (default: in-cluster)");

  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  if (controller->parsed()) {
    return run_controller(cf, out, err);
  }
  if (preflight->parsed()) {
    return run_preflight(kubeconfig, namespace_name, format, out, err);
  }
  return run_mode(kubeconfig, wanted, out, err);
}

}  // namespace ztp::enforce
