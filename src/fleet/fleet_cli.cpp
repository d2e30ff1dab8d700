#include "fleet/fleet_cli.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <thread>

#include "common/cli_values.h"
#include "common/clock.h"
#include "common/command_line.h"
#include "common/log.h"
#include "common/posix_file.h"
#include "fleet/dashboard_assets.h"
#include "fleet/dir_source.h"
#include "fleet/enforcement_file.h"
#include "fleet/fleet_server.h"
#include "fleet/k8s_source.h"
#include "fleet/simulator.h"
#include "k8s/tls_transport.h"

namespace ztp::fleet {

namespace {

constexpr const char* k_name = "ztp-prem-fleet";
// Three times the agents' 10-minute heartbeat (issue 5: "default 3 x the heartbeat").
constexpr const char* k_default_stale_after = "30m";
constexpr std::string_view k_dir_prefix = "dir:";
// The service account mount of a pod (k8s.io/docs/tasks/run-application/access-api-from-pod/).
constexpr const char* k_service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
// Per request of the list (connect to last byte); a watch uses the idle timeout instead.
constexpr std::chrono::seconds k_list_timeout{30};

// Where the service reads documents from: a directory or the cluster.
class Source {
 public:
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;
  ~Source() {
    stop();
    if (m_stop_fd >= 0) {
      ::close(m_stop_fd);
    }
  }

  // The enforcement report comes from the same place as the documents.
  std::shared_ptr<EnforcementReports> enforcement(bool from_k8s) {
    m_enforcement = std::make_shared<EnforcementReports>(from_k8s ? ReportSource::configmap
                                                                  : ReportSource::file);
    return m_enforcement;
  }

  Result<void> start_dir(const std::filesystem::path& dir, FleetState& state, log::Logger& logger) {
    m_dir = std::make_unique<DirSource>(dir, state, logger);
    if (auto ok = m_dir->start(); !ok) {
      return ok;
    }
    m_report_file = std::make_unique<EnforcementFile>(dir, *m_enforcement);
    m_report_file->start();
    return {};
  }

  Result<void> start_k8s(const std::optional<std::string>& kubeconfig,
                         const std::optional<std::string>& namespace_name,
                         std::optional<std::size_t> page_size, FleetState& state,
                         log::Logger& logger) {
    auto config = kubeconfig ? k8s::load_kubeconfig(*kubeconfig)
                             : k8s::in_cluster_config(env_value("KUBERNETES_SERVICE_HOST"),
                                                      env_value("KUBERNETES_SERVICE_PORT"),
                                                      k_service_account_dir);
    if (!config) {
      return tl::unexpected(config.error());
    }
    m_stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_stop_fd < 0) {
      return fail(ErrorKind::io_error, "eventfd failed");
    }
    k8s::TlsOptions tls = k8s::tls_options_for(*config);
    tls.timeout = k_list_timeout;
    tls.cancel_fd = m_stop_fd;
    auto transport = k8s::TlsTransport::create(std::move(tls));
    if (!transport) {
      return tl::unexpected(transport.error());
    }
    m_transport = std::move(*transport);
    K8sSourceOptions options;
    options.namespace_name =
        namespace_name.value_or(config->namespace_name.value_or(options.namespace_name));
    options.base_path = config->base_path;
    options.credentials = config->credentials;
    options.user_agent = std::string(k_name) + "/" + ZTP_VERSION;
    options.page_limit = page_size.value_or(options.page_limit);
    options.enforcement = m_enforcement.get();
    m_k8s = std::make_unique<K8sSource>(*m_transport, state, logger, std::move(options), m_stop_fd);
    m_k8s->start();
    return {};
  }

  // Why the source cannot serve now (its directory is missing), for /readyz.
  std::optional<std::string> problem() const { return m_dir ? m_dir->problem() : std::nullopt; }

  void stop() {
    if (m_dir) {
      m_dir->stop();
    }
    if (m_k8s) {
      m_k8s->stop();
    }
    if (m_report_file) {
      m_report_file->stop();
    }
  }

 private:
  std::shared_ptr<EnforcementReports> m_enforcement;
  std::unique_ptr<DirSource> m_dir;
  std::unique_ptr<EnforcementFile> m_report_file;
  int m_stop_fd = -1;
  std::unique_ptr<k8s::TlsTransport> m_transport;
  std::unique_ptr<K8sSource> m_k8s;
};

// A bearer token is a few KiB at most (a projected service-account token is ~1 KiB).
constexpr std::size_t k_max_token_file = 64 * 1024;

Result<std::string> read_token_file(const std::string& path) {
  auto text = read_local_file(path, k_max_token_file);
  if (!text) {
    return fail(ErrorKind::bad_input, "--token-file: " + text.error().message);
  }
  std::string token = std::move(*text);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) {
    return fail(ErrorKind::bad_input, "--token-file '" + path + "' is empty");
  }
  return token;
}

struct ServeFlags {
  std::string source;
  std::string listen = "127.0.0.1:8080";
  std::string stale_after = k_default_stale_after;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> token_file;
  std::optional<std::string> dashboard_dir;
  std::optional<std::string> kubeconfig;
  std::optional<std::string> namespace_name;
  std::optional<std::size_t> k8s_page_size;
  std::vector<std::string> allowed_hosts;
  std::size_t threads = ServerOptions{}.threads;
  http::Limits limits;
};

// Each connection is a file descriptor: let the connection limit, not the soft
// RLIMIT_NOFILE (often 1024), be what refuses clients.
void raise_open_file_limit(std::size_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return;
  }
  const rlim_t wanted = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(connections) + 256);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = wanted;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// The flags that must agree with each other: why they do not, or nullopt.
std::optional<std::string> serve_flags_problem(const ServeFlags& flags) {
  if (flags.tls_cert.has_value() != flags.tls_key.has_value()) {
    return "--tls-cert and --tls-key go together";
  }
  const bool from_k8s = flags.source == "k8s";
  if (!from_k8s &&
      (!flags.source.starts_with(k_dir_prefix) || flags.source.size() == k_dir_prefix.size())) {
    return "--source must be dir:PATH or k8s";
  }
  if (!from_k8s && (flags.kubeconfig || flags.namespace_name || flags.k8s_page_size)) {
    return "--kubeconfig, --namespace and --k8s-page-size go with --source k8s";
  }
  return std::nullopt;
}

// The HTTP server's options from the flags (the token file is read here). Warnings from the
// server (a TLS certificate that failed to reload) go to the log.
Result<ServerOptions> server_options(const ServeFlags& flags, const ListenAddress& listen,
                                     log::Logger& logger) {
  ServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  options.tls_cert_file = flags.tls_cert;
  options.tls_key_file = flags.tls_key;
  options.threads = flags.threads;
  options.allowed_hosts = flags.allowed_hosts;
  options.limits = flags.limits;
  options.on_warning = [&logger](std::string_view line) {
    logger.warn("http.warning", {{"reason", std::string(line)}});
  };
  if (flags.token_file) {
    ZTP_TRY(token, read_token_file(*flags.token_file));
    options.token = std::move(*token);
  }
  return options;
}

// Everything serve() needs, checked before any thread, socket or source exists.
struct ServeConfig {
  std::chrono::seconds stale_after{0};
  ListenAddress listen;
  ServerOptions server;
  std::filesystem::path dashboard_dir;
  DashboardAssets dashboard;
};

// The configuration from the flags; the error is the one usage line (exit 2).
Result<ServeConfig> serve_config(const ServeFlags& flags, const std::string& executable,
                                 log::Logger& logger) {
  const auto stale_after = parse_duration(flags.stale_after);
  if (!stale_after) {
    return fail(ErrorKind::bad_input,
                "--stale-after '" + flags.stale_after + "' is not a duration like 30m, 90s or 1h");
  }
  const auto listen = parse_listen(flags.listen);
  if (!listen) {
    return fail(ErrorKind::bad_input, "--listen '" + flags.listen + "' is not HOST:PORT");
  }
  if (auto problem = serve_flags_problem(flags)) {
    return fail(ErrorKind::bad_input, *problem);
  }
  ZTP_TRY(server, server_options(flags, *listen, logger));
  const std::filesystem::path dashboard_dir = flags.dashboard_dir
                                                  ? std::filesystem::path(*flags.dashboard_dir)
                                                  : default_dashboard_dir(executable);
  ZTP_TRY(dashboard, DashboardAssets::load(dashboard_dir));
  return ServeConfig{*stale_after, *listen, std::move(*server), dashboard_dir,
                     std::move(*dashboard)};
}

Result<void> start_source(const ServeFlags& flags, Source& source, FleetState& state,
                          log::Logger& logger) {
  if (flags.source == "k8s") {
    return source.start_k8s(flags.kubeconfig, flags.namespace_name, flags.k8s_page_size, state,
                            logger);
  }
  return source.start_dir(std::filesystem::path(flags.source.substr(k_dir_prefix.size())), state,
                          logger);
}

void print_serving(const ServeFlags& flags, const ServeConfig& config, int port,
                   std::ostream& out) {
  const char* scheme = config.server.tls_cert_file ? "https" : "http";
  out << k_name << ": serving " << flags.source << " on " << scheme << "://" << config.listen.host
      << ":" << port << "/admin/ztp-prem"
      << (config.dashboard_dir.empty() ? "" : " (dashboard: " + config.dashboard_dir.string() + ")")
      << "\n"
      << std::flush;
}

int serve(const ServeFlags& flags, const std::string& executable, std::ostream& out,
          std::ostream& err) {
  SystemClock clock;
  log::Logger logger(err, clock);
  auto config = serve_config(flags, executable, logger);
  if (!config) {
    err << k_name << ": " << config.error().message << "\n";
    return k_exit_usage;
  }
  // Signals go to a dedicated thread (sigwait), so block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  FleetState state(clock, config->stale_after);
  Source source;
  config->server.source_problem = [&source] { return source.problem(); };
  config->server.enforcement = source.enforcement(flags.source == "k8s");
  raise_open_file_limit(config->server.limits.max_connections);
  FleetServer server(state, std::move(config->dashboard), config->server);
  const auto port = server.bind();
  if (!port) {
    err << k_name << ": " << port.error().message << "\n";
    return k_exit_usage;
  }
  if (const auto started = start_source(flags, source, state, logger); !started) {
    err << k_name << ": " << started.error().message << "\n";
    return k_exit_usage;
  }
  print_serving(flags, *config, *port, out);
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.serve();
  // serve() also returns when the listener fails: wake the signal thread in that case.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  source.stop();
  return k_exit_ok;
}

// The serving flags (the command without a subcommand).
void add_serve_options(CLI::App& app, ServeFlags& flags) {
  app.add_option("--source", flags.source,
                 "dir:PATH (the agents' --publish dir:PATH) or k8s (list and watch the agents' "
                 "ConfigMaps; in-cluster or --kubeconfig)");
  app.add_option("--listen", flags.listen, "HOST:PORT to serve on")->capture_default_str();
  app.add_option("--stale-after", flags.stale_after,
                 "A document older than this makes its node stale (3 x the 10 min heartbeat)")
      ->capture_default_str();
  app.add_option("--tls-cert", flags.tls_cert, "PEM certificate: serve HTTPS");
  app.add_option("--tls-key", flags.tls_key, "PEM private key for --tls-cert");
  app.add_option("--token-file", flags.token_file,
                 "File holding a bearer token every /api request must send");
  app.add_option("--dashboard-dir", flags.dashboard_dir,
                 "Built dashboard (default: dashboard/dist of the install or source tree)");
}

// The flags of --source k8s.
void add_k8s_options(CLI::App& app, ServeFlags& flags) {
  app.add_option("--kubeconfig", flags.kubeconfig,
                 "For --source k8s: kubeconfig file (current context) instead of in-cluster");
  app.add_option("--namespace", flags.namespace_name,
                 "For --source k8s: namespace of the ConfigMaps (default: the service "
                 "account's or the context's, else ztp-prem)");
  app.add_option("--k8s-page-size", flags.k8s_page_size,
                 "For --source k8s: ConfigMaps per list page (default " +
                     std::to_string(k_default_page_limit) +
                     ", as client-go; a page over the 4 MiB response cap is asked for again "
                     "at half the size)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
}

// The HTTP server: its threads, the Host names it answers and what it may hold open at once.
void add_http_options(CLI::App& app, ServeFlags& flags) {
  app.add_option("--threads", flags.threads,
                 "HTTP I/O threads (connections and event streams never hold one)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--allowed-host", flags.allowed_hosts,
                 "A Host name clients may use besides the --listen address, localhost, "
                 "127.0.0.1 and [::1] (repeatable; e.g. the Service's DNS names). Others: 421");
  app.add_option("--max-connections", flags.limits.max_connections,
                 "Open connections at most; more are answered 503 and closed")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{8}, std::size_t{100000}));
  app.add_option("--max-connections-per-peer", flags.limits.max_connections_per_peer,
                 "Open connections from one address at most")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{2}, std::size_t{100000}));
  app.add_option("--max-streams", flags.limits.max_streams,
                 "Open /api/v1/events streams at most; more are answered 503")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
}

struct SimulateFlags {
  SimulateOptions options;
  std::string out;
};

CLI::App* add_simulate_command(CLI::App& app, SimulateFlags& sim) {
  auto* simulate = app.add_subcommand("simulate", "Write a simulated fleet of status documents");
  simulate->add_option("--nodes", sim.options.nodes, "Number of nodes")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  simulate->add_option("--out", sim.out, "Directory to write <node>.cc.json/.tpm.json into")
      ->required();
  simulate->add_option("--seed", sim.options.seed, "Random seed (same seed, same fleet)")
      ->capture_default_str();
  return simulate;
}

int run_simulate(SimulateFlags& sim, std::ostream& out, std::ostream& err) {
  sim.options.out = sim.out;
  sim.options.now = std::chrono::system_clock::now();
  const auto summary = simulate_fleet(sim.options);
  if (!summary) {
    err << k_name << ": " << summary.error().message << "\n";
    return k_exit_usage;
  }
  out << k_name << ": wrote " << summary->documents << " documents for " << summary->nodes
      << " nodes to " << sim.out << " (" << summary->stale_nodes << " stale, "
      << summary->invalid_documents << " invalid documents, " << summary->missing_documents
      << " missing)\n";
  return k_exit_ok;
}

}  // namespace

int run_fleet(const std::vector<std::string>& args, const std::string& executable,
              std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Fleet view of ztp-prem status documents: an HTTP API and the /admin/ztp-prem dashboard. "
      "Read-only. Detection, not attestation.",
      k_name};
  ServeFlags flags;
  add_serve_options(app, flags);
  add_k8s_options(app, flags);
  add_http_options(app, flags);
  app.set_version_flag("--version", std::string(ZTP_VERSION));
  SimulateFlags sim;
  const CLI::App* simulate = add_simulate_command(app, sim);

  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  if (simulate->parsed()) {
    return run_simulate(sim, out, err);
  }
  if (flags.source.empty()) {
    err << k_name << ": --source is required (dir:PATH or k8s; see --help)\n";
    return k_exit_usage;
  }
  return serve(flags, executable, out, err);
}

}  // namespace ztp::fleet
