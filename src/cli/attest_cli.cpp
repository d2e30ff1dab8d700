#include "cli/attest_cli.h"

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <thread>

#include "attest/service.h"
#include "attest/state.h"
#include "attest/verifier.h"
#include "common/cli_values.h"
#include "common/command_line.h"
#include "common/posix_file.h"
#include "publish/k8s_sink.h"

namespace ztp::cli {
namespace {

constexpr const char* k_name = "ztp-prem-attest";
constexpr std::size_t k_max_secret_bytes = 64 * 1024;
constexpr std::size_t k_max_pem_bytes = 1024 * 1024;

int fault(std::ostream& err, const Error& e) {
  err << k_name << ": " << e.message << "\n";
  return e.kind == ErrorKind::bad_input || e.kind == ErrorKind::not_found ? k_exit_usage
                                                                          : k_exit_internal;
}

struct ServeFlags {
  std::string listen = "127.0.0.1:8443";
  std::string state;
  std::string tls_cert;
  std::string tls_key;
  std::string ek_ca;
  std::vector<std::string> publish;
  std::optional<std::string> kubeconfig;
  std::optional<std::string> namespace_name;
  std::string nonce_ttl = "60s";
  std::vector<std::string> allowed_hosts;
};

// --publish dir:PATH and/or k8s (the node's ConfigMap, like the probes' --publish k8s).
Result<void> publish_options(const ServeFlags& f, attest::VerdictPublisher::Options& out) {
  for (const auto& target : f.publish) {
    if (target.rfind("dir:", 0) == 0 && std::filesystem::is_directory(target.substr(4))) {
      out.dir = target.substr(4);
    } else if (target == "k8s") {
      publish::ClusterAccess access = publish::cluster_access_from_environment();
      access.kubeconfig = f.kubeconfig;
      access.namespace_name = f.namespace_name;
      access.user_agent = std::string(k_name) + "/" + ZTP_VERSION;
      auto cluster = publish::connect_configmaps(access);
      if (!cluster) {
        return tl::unexpected(cluster.error());
      }
      out.k8s = attest::VerdictPublisher::K8s{cluster->client, cluster->namespace_name};
    } else {
      return fail(ErrorKind::bad_input,
                  "--publish '" + target + "' is not k8s or dir:PATH of an existing directory");
    }
  }
  return {};
}

// The verifier's options from the flags (the EK CA bundle is read here).
Result<attest::VerifierOptions> verifier_options(const ServeFlags& f, std::chrono::seconds ttl) {
  attest::VerifierOptions options;
  options.nonce_ttl = ttl;
  if (!f.ek_ca.empty()) {
    ZTP_TRY(pem, read_local_file(f.ek_ca, k_max_pem_bytes));
    options.ek_ca_pem = std::move(*pem);
  }
  if (auto ok = publish_options(f, options.publish); !ok) {
    return tl::unexpected(ok.error());
  }
  return options;
}

http::ServerConfig server_config(const ServeFlags& f, const ListenAddress& listen,
                                 log::Logger& logger) {
  http::ServerConfig config;
  config.host = listen.host;
  config.port = listen.port;
  config.tls = http::TlsFiles{f.tls_cert, f.tls_key};
  config.allowed_hosts = f.allowed_hosts;
  config.limits.max_body_bytes = attest::k_max_request_bytes;
  config.on_warning = [&logger](std::string_view w) {
    logger.warn("http.warning", {{"reason", w}});
  };
  return config;
}

int serve(const ServeFlags& f, std::ostream& out, std::ostream& err) {
  const auto listen = parse_listen(f.listen);
  const auto ttl = parse_duration(f.nonce_ttl);
  if (!listen || !ttl || *ttl > std::chrono::minutes(10)) {
    err << k_name << ": --listen must be HOST:PORT and --nonce-ttl a duration up to 10m\n";
    return k_exit_usage;
  }
  auto state = attest::DirState::open(f.state);
  if (!state) {
    return fault(err, state.error());
  }
  auto options = verifier_options(f, *ttl);
  if (!options) {
    return fault(err, options.error());
  }
  // Signals go to a dedicated thread (sigwait), blocked before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SystemClock clock;
  log::Logger logger(err, clock);
  attest::Verifier verifier(std::move(*state), std::move(*options), clock, logger);
  http::Server server(server_config(f, *listen, logger), attest::verifier_routes(verifier));
  const auto port = server.bind();
  if (!port) {
    return fault(err, port.error());
  }
  out << k_name << ": serving on https://" << listen->host << ":" << *port << "\n" << std::flush;
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.serve();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  // The last verdicts reach the ConfigMaps unless the API server is down (the pod's
  // termination grace period is 30 s by default).
  if (!verifier.flush_verdicts(std::chrono::seconds(5))) {
    logger.warn("attest.publish_pending", {{"reason", "verdicts not applied at shutdown"}});
  }
  return k_exit_ok;
}

int change_policy(bool approve, const std::string& state_spec, const std::string& group,
                  const std::string& from_node, const std::string& digest, std::ostream& out,
                  std::ostream& err) {
  auto state = attest::DirState::open(state_spec);
  if (!state) {
    return fault(err, state.error());
  }
  std::string value = digest;
  if (!from_node.empty()) {
    auto node = state->node(from_node);
    if (!node) {
      return fault(err, node.error());
    }
    if (!*node || !(*node)->presented) {
      err << k_name << ": node '" << from_node << "' has not presented a boot state yet\n";
      return k_exit_usage;
    }
    if ((*node)->group != group) {
      err << k_name << ": node '" << from_node << "' is registered in group '" << (*node)->group
          << "', not '" << group << "'\n";
      return k_exit_usage;
    }
    value = *(*node)->presented;
  } else if (!attest::is_digest_text(value)) {
    err << k_name << ": --digest must be sha256: and 64 lower-case hex digits\n";
    return k_exit_usage;
  }
  auto policy = state->policy(group);
  if (!policy) {
    return fault(err, policy.error());
  }
  auto& list = policy->approved;
  const auto it = std::find(list.begin(), list.end(), value);
  if (approve && it == list.end()) {
    list.push_back(value);
  } else if (!approve && it != list.end()) {
    list.erase(it);
  }
  if (auto ok = state->put_policy(*policy); !ok) {
    return fault(err, ok.error());
  }
  // The digest itself is not echoed: a boot digest can identify one machine (PCR1).
  out << k_name << ": group " << group << ": " << (approve ? "approved" : "revoked")
      << (from_node.empty() ? " the given digest"
                            : " the boot state node " + from_node + " presented")
      << "; " << list.size() << " approved boot state(s)\n";
  return k_exit_ok;
}

int put_secret(const std::string& state_spec, const std::string& name, const std::string& group,
               std::istream& in, std::ostream& out, std::ostream& err) {
  auto state = attest::DirState::open(state_spec);
  if (!state) {
    return fault(err, state.error());
  }
  if (!attest::is_group_name(name) || !attest::is_group_name(group)) {
    err << k_name << ": --name and --group must be DNS subdomain names\n";
    return k_exit_usage;
  }
  std::string value;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    value.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (value.size() > k_max_secret_bytes) {
      err << k_name << ": the secret on stdin is larger than 64 KiB\n";
      return k_exit_usage;
    }
  }
  if (value.empty()) {
    err << k_name << ": no secret on stdin\n";
    return k_exit_usage;
  }
  if (auto ok = state->put_secret({name, group, value}); !ok) {
    return fault(err, ok.error());
  }
  out << k_name << ": stored secret " << name << " for group " << group << " (" << value.size()
      << " bytes)\n";
  return k_exit_ok;
}

CLI::App* add_serve_command(CLI::App& app, ServeFlags& sf) {
  auto* serve_cmd = app.add_subcommand("serve", "Serve the verifier over HTTPS");
  serve_cmd->add_option("--listen", sf.listen, "HOST:PORT to listen on")->capture_default_str();
  serve_cmd->add_option("--state", sf.state, "State: dir:PATH (files 0600)")->required();
  serve_cmd->add_option("--tls-cert", sf.tls_cert, "PEM certificate chain (re-read on change)")
      ->required();
  serve_cmd->add_option("--tls-key", sf.tls_key, "PEM private key")->required();
  serve_cmd->add_option("--ek-ca", sf.ek_ca,
                        "PEM bundle of EK CAs: registration then requires an EK certificate "
                        "under it (without: any EK, trust on first registration)");
  serve_cmd->add_option("--publish", sf.publish,
                        "Repeatable: dir:PATH writes <node>.attest.json verdicts there (next "
                        "to the probes' documents); k8s applies them as data key attest.json "
                        "of the node's ConfigMap ztp-prem-<node>");
  serve_cmd->add_option("--kubeconfig", sf.kubeconfig,
                        "With --publish k8s: this kubeconfig instead of the in-cluster config");
  serve_cmd->add_option("--namespace", sf.namespace_name,
                        "With --publish k8s: the ConfigMaps' namespace (default: the service "
                        "account's, else the context's, else ztp-prem)");
  serve_cmd
      ->add_option("--nonce-ttl", sf.nonce_ttl,
                   "Lifetime of a nonce (and a registration "
                   "challenge)")
      ->capture_default_str();
  serve_cmd->add_option("--allowed-host", sf.allowed_hosts,
                        "A Host name nodes use besides the --listen address and loopback "
                        "(repeatable; e.g. the Service's DNS names). Others: 421");
  return serve_cmd;
}

// The flags of `policy approve|revoke` and `secret put` (they share --state and --group).
struct AdminFlags {
  std::string state;
  std::string group;
  std::string from_node;
  std::string digest;
  std::string name;
};

CLI::App* add_policy_command(CLI::App& app, AdminFlags& f) {
  auto* policy = app.add_subcommand("policy", "Approve or revoke boot states of a group");
  policy->require_subcommand(1);
  for (const char* verb : {"approve", "revoke"}) {
    auto* cmd = policy->add_subcommand(verb, std::string(verb) + " a boot state for a group");
    cmd->add_option("--state", f.state, "State: dir:PATH")->required();
    cmd->add_option("--group", f.group, "The group")->required();
    auto* from = cmd->add_option("--from-node", f.from_node,
                                 "The boot state this registered node last presented");
    auto* dig = cmd->add_option("--digest", f.digest,
                                "A boot digest computed ahead: sha256:<64 hex> (SHA-256 over "
                                "PCR0..7, the quote's pcrDigest)");
    from->excludes(dig);
    dig->excludes(from);
  }
  return policy;
}

void add_secret_command(CLI::App& app, AdminFlags& f) {
  auto* secret = app.add_subcommand("secret", "Store secrets");
  secret->require_subcommand(1);
  auto* put = secret->add_subcommand("put", "Store the secret read from stdin under a name");
  put->add_option("--state", f.state, "State: dir:PATH")->required();
  put->add_option("--name", f.name, "The secret's name")->required();
  put->add_option("--group", f.group, "The group of nodes it may be released to")->required();
}

}  // namespace

int run_attest(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  CLI::App app{
      "Verifier and key broker: releases a secret to a node whose TPM quote shows an "
      "approved boot state",
      k_name};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ZTP_VERSION));
  ServeFlags sf;
  const CLI::App* serve_cmd = add_serve_command(app, sf);
  AdminFlags af;
  CLI::App* policy = add_policy_command(app, af);
  add_secret_command(app, af);

  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  if (serve_cmd->parsed()) {
    return serve(sf, out, err);
  }
  if (policy->parsed()) {
    if (af.from_node.empty() && af.digest.empty()) {
      err << k_name << ": give --from-node N or --digest sha256:HEX (see --help)\n";
      return k_exit_usage;
    }
    const bool approve = policy->get_subcommand("approve")->parsed();
    return change_policy(approve, af.state, af.group, af.from_node, af.digest, out, err);
  }
  return put_secret(af.state, af.name, af.group, in, out, err);
}

int attest_main(int argc, char** argv) {
  try {
    return run_attest(std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout,
                      std::cerr);
  } catch (const std::exception& e) {
    std::cerr << k_name << ": internal error: " << e.what() << "\n";
    return k_exit_internal;
  }
}

}  // namespace ztp::cli
