#include "cli/agent_cli.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <memory>
#include <ostream>
#include <random>

#include "agent/agent.h"
#include "agent/audit_stamp.h"
#include "common/cli_values.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/posix_file.h"
#include "k8s/configmap_client.h"
#include "publish/file_sinks.h"
#include "publish/k8s_sink.h"

namespace ztp::cli {
namespace {

// ConfigMap names are DNS subdomains of at most 253 characters
// (k8s.io/docs/concepts/overview/working-with-objects/names/); ours add "ztp-prem-".
constexpr std::size_t k_max_configmap_name = 253;
// One API request must finish well inside the loop's interval.
constexpr std::chrono::milliseconds k_request_timeout{10000};

int usage(std::ostream& err, const std::string& probe, const std::string& message) {
  err << probe << ": " << message << "\n";
  return k_exit_usage;
}

// Liveness for the DaemonSet: the health file's mtime is younger than max_age.
int check_health(const std::string& path, int max_age_s, const Clock& clock, std::ostream& err) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    err << "unhealthy: no heartbeat file\n";
    return k_exit_internal;
  }
  const auto mtime = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now() - mtime);
  if (age.count() > max_age_s) {
    err << "unhealthy: last loop " << age.count() << " s ago\n";
    return k_exit_internal;
  }
  return k_exit_ok;
}

Result<publish::ConfigMapAccess> setup_k8s(const AgentFlags& flags, const std::string& probe,
                                           const AgentRuntime& runtime) {
  publish::ClusterAccess access;
  access.kubeconfig = flags.kubeconfig;
  access.namespace_name = flags.namespace_name;
  access.service_host = runtime.service_host;
  access.service_port = runtime.service_port;
  access.service_account_dir = runtime.service_account_dir;
  access.user_agent = probe + "/" + ZTP_VERSION;
  access.timeout = k_request_timeout;
  access.cancel_fd = runtime.stop != nullptr ? runtime.stop->fd() : -1;
  return publish::connect_configmaps(access);
}

}  // namespace

AgentRuntime AgentRuntime::from_process(const agent::StopSignal& stop) {
  AgentRuntime r;
  r.stop = &stop;
  r.service_host = env_value("KUBERNETES_SERVICE_HOST");
  r.service_port = env_value("KUBERNETES_SERVICE_PORT");
  r.seed = std::random_device{}();
  return r;
}

void add_agent_flags(CLI::App& app, AgentFlags& f) {
  app.add_flag("--watch", f.watch, "Keep running: re-probe every --interval, publish on change");
  app.add_option("--interval", f.interval_s, "Seconds between probes in --watch mode")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--heartbeat", f.heartbeat_s,
                 "Seconds between rewrites of an unchanged document (jittered +-10%)")
      ->check(CLI::Range(10, 7 * 86400))
      ->capture_default_str();
  app.add_option("--publish", f.publish,
                 "Publish target, repeatable: stdout | k8s | dir:PATH (default: stdout)");
  app.add_option("--kubeconfig", f.kubeconfig,
                 "With --publish k8s: use this kubeconfig instead of the in-cluster config");
  app.add_option("--namespace", f.namespace_name,
                 "With --publish k8s: namespace of the ConfigMap (default: the service "
                 "account's, else the context's, else ztp-prem)");
  app.add_option("--nfd-features-dir", f.nfd_dir,
                 "Also write a node-feature-discovery feature file into this directory");
  app.add_option("--health-file", f.health_file,
                 "In --watch mode, touch this file after every loop (liveness)");
  app.add_option("--check-health", f.check_health,
                 "Exit 0 when this health file was touched within --health-max-age, else 1");
  app.add_option("--health-max-age", f.health_max_age_s, "Seconds; see --check-health")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--audit-dir", f.audit_dir,
                 "Append every result to the sealed audit log in this directory and cite its "
                 "head (auditHead) in each document (see docs/audit.md)");
  app.add_option("--audit-seed-file", f.audit_seed_file,
                 "With --audit-dir: create the log from this verification key file (0400, e.g. "
                 "a Secret) when the directory holds no log yet");
  app.add_option("--log-level", f.log_level, "Agent log level (JSON lines on stderr)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
}

void add_quote_flags(CLI::App& app, AgentFlags& f) {
  app.add_option("--quote-pcrs", f.quote_pcrs,
                 "With --audit-dir: bind every audit record to a TPM quote over these PCRs "
                 "(e.g. sha256:0-7; off by default; docs/audit.md)");
  app.add_option("--tcti", f.tcti,
                 "With --quote-pcrs: the TPM, device:/dev/tpmrmN or swtpm:host=H,port=N (never "
                 "probed)")
      ->capture_default_str();
}

namespace {

log::Level log_level(const std::string& name) {
  return name == "debug"   ? log::Level::debug
         : name == "warn"  ? log::Level::warn
         : name == "error" ? log::Level::error
                           : log::Level::info;
}

// One sink per --publish target (stdout when none), then the NFD sink. Errors are usage.
Result<std::vector<publish::Sink>> make_sinks(const AgentFlags& flags,
                                              const std::vector<std::string>& targets,
                                              const std::string& probe_name,
                                              const AgentRuntime& runtime, std::ostream& out) {
  std::vector<publish::Sink> sinks;
  for (const auto& target : targets) {
    if (target == "stdout") {
      sinks.push_back(publish::stdout_sink(out));
    } else if (target.rfind("dir:", 0) == 0 && target.size() > 4) {
      auto sink = publish::dir_sink(target.substr(4));
      if (!sink) {
        return tl::unexpected(sink.error());
      }
      sinks.push_back(std::move(*sink));
    } else if (target == "k8s") {
      auto setup = setup_k8s(flags, probe_name, runtime);
      if (!setup) {
        return tl::unexpected(setup.error());
      }
      sinks.push_back(publish::k8s_sink(setup->client, {setup->namespace_name, probe_name}));
    } else {
      return fail(ErrorKind::bad_input,
                  "--publish '" + target + "' is not one of stdout, k8s, dir:PATH");
    }
  }
  if (flags.nfd_dir) {
    // Labels outlive a dead agent by three heartbeats at most.
    auto sink = publish::nfd_sink(*flags.nfd_dir, std::chrono::seconds(3 * flags.heartbeat_s));
    if (!sink) {
      return tl::unexpected(sink.error());
    }
    sinks.push_back(std::move(*sink));
  }
  return sinks;
}

// The audit log the agent stamps every document into (--audit-dir). Errors are usage.
Result<std::optional<agent::AuditStamp>> open_audit_stamp(const AgentFlags& flags,
                                                          std::chrono::seconds heartbeat,
                                                          const Clock& clock, log::Logger& logger,
                                                          const QuoterFactory& make_quoter) {
  std::optional<agent::AuditStamp> stamp;
  if (!flags.audit_dir) {
    return stamp;
  }
  const auto key = flags.audit_seed_file ? audit::KeySource::seed_file(*flags.audit_seed_file)
                                         : audit::KeySource::state_file();
  audit::AuditOptions options;
  options.logger = &logger;
  if (flags.quote_pcrs) {
    if (!make_quoter) {
      return fail(ErrorKind::bad_input, "--quote-pcrs: this probe does not quote");
    }
    auto quoter = make_quoter(flags.tcti, *flags.quote_pcrs);
    if (!quoter) {
      return fail(ErrorKind::bad_input, "--quote-pcrs: " + quoter.error().message);
    }
    options.quote = std::move(*quoter);
  }
  auto log = audit::AuditLog::open(*flags.audit_dir, key, clock, options);
  if (!log) {
    return fail(ErrorKind::bad_input, "--audit-dir: " + log.error().message);
  }
  // The audit heartbeat follows the publishing heartbeat: one record per rewrite.
  stamp.emplace(std::move(*log), clock, heartbeat, logger, static_cast<bool>(make_quoter));
  return stamp;
}

// Flags that must agree, and the health file's directory, checked before any work: a
// missing directory would only show as a pod restarted by its liveness probe (BUG-15).
std::optional<std::string> agent_flags_problem(const AgentFlags& flags) {
  if (flags.quote_pcrs && !flags.audit_dir) {
    return "--quote-pcrs needs --audit-dir (quotes go into the audit log)";
  }
  if (flags.health_file) {
    const std::filesystem::path dir = std::filesystem::path(*flags.health_file).parent_path();
    if (auto opened = open_file(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY); !opened) {
      return "--health-file: " + opened.error().message;
    }
  }
  return std::nullopt;
}

// A liveness probe reads the file: a write that fails is logged once, as is recovery.
std::function<void(agent::TimePoint)> health_file_writer(const std::string& path,
                                                         log::Logger& logger) {
  const std::filesystem::path health(path);
  return [health, &logger, failing = false](agent::TimePoint) mutable {
    auto written = write_file_atomic(health.parent_path().empty() ? "." : health.parent_path(),
                                     health.filename().string(), "ok\n");
    if (!written && !failing) {
      logger.warn("health.write_failed", {{"reason", written.error().message}});
    } else if (written && failing) {
      logger.info("health.write_resumed");
    }
    failing = !written;
  };
}

}  // namespace

int run_agent(const AgentFlags& flags, const std::string& probe_name,
              const std::function<report::Document()>& produce, const AgentRuntime& runtime,
              const Clock& clock, std::ostream& out, std::ostream& err,
              const QuoterFactory& make_quoter) {
  if (const auto problem = agent_flags_problem(flags)) {
    return usage(err, probe_name, *problem);
  }
  if (flags.check_health) {
    return check_health(*flags.check_health, flags.health_max_age_s, clock, err);
  }
  log::Logger logger(err, clock, log_level(flags.log_level));
  std::vector<std::string> targets = flags.publish;
  if (targets.empty()) {
    targets.emplace_back("stdout");
  }
  auto sinks = make_sinks(flags, targets, probe_name, runtime, out);
  if (!sinks) {
    return usage(err, probe_name, sinks.error().message);
  }
  // Produce once up front: validates the node name for the targets, and the
  // agent reuses it as its first document.
  std::optional<report::Document> first = produce();
  if (std::find(targets.begin(), targets.end(), "k8s") != targets.end() &&
      publish::configmap_name(first->envelope.node).size() > k_max_configmap_name) {
    return usage(err, probe_name, "node name too long for a ConfigMap name");
  }
  agent::Schedule schedule;
  schedule.interval = std::chrono::seconds(flags.interval_s);
  schedule.heartbeat = std::chrono::seconds(flags.heartbeat_s);
  auto audit_stamp = open_audit_stamp(flags, schedule.heartbeat, clock, logger, make_quoter);
  if (!audit_stamp) {
    return usage(err, probe_name, audit_stamp.error().message);
  }
  auto producer = [&produce, &first, &stamp = *audit_stamp]() {
    report::Document d = first ? std::move(*first) : produce();
    first.reset();
    if (stamp) {
      stamp->stamp(d);  // durable before any sink sees the document
    }
    return d;
  };
  agent::Agent agent(schedule, producer, std::move(*sinks), clock, logger, runtime.seed);
  if (!flags.watch) {
    return agent.run_once() ? k_exit_ok : k_exit_internal;
  }
  if (flags.health_file) {
    agent.on_step = health_file_writer(*flags.health_file, logger);
  }
  agent::StopSignal never;
  agent.run(runtime.stop != nullptr ? *runtime.stop : never);
  return k_exit_ok;
}

}  // namespace ztp::cli
