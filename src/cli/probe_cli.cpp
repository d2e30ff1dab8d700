#include "cli/probe_cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/capture.h"
#include "common/cli_values.h"
#include "common/command_line.h"
#include "common/k8s_names.h"
#include "common/text.h"

namespace ztp::cli {
namespace {

// Why a node name cannot be used, before any work: the API server would refuse it, or a
// name derived from it (ConfigMap, dir: file) would be too long to publish.
std::optional<std::string> node_name_problem(const std::string& name) {
  if (!is_node_name(name)) {
    return "is not a valid Kubernetes node name (RFC 1123 subdomain: at most 253 characters, "
           "dot-separated labels of [a-z0-9-] starting and ending with a letter or digit)";
  }
  if (name.size() > k_max_publishable_node_chars) {
    return "is longer than " + std::to_string(k_max_publishable_node_chars) +
           " characters: its ConfigMap name '" + std::string(k_node_configmap_prefix) +
           "<node>' would exceed 253";
  }
  return std::nullopt;
}

}  // namespace

Environment Environment::from_process() {
  Environment env;
  env.node_name = env_value("NODE_NAME");
  env.wave = env_value("ZTP_PREM_WAVE");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) {
    env.hostname = host;
    // The kubelet registers a node under its lowercased hostname.
    for (char& c : env.hostname) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
  }
  return env;
}

int run_probe(const std::vector<std::string>& args, const ProbeSpec& spec, const Environment& env,
              const Clock& clock, std::ostream& out, std::ostream& err) {
  return run_probe(args, spec, env, clock, out, err, AgentRuntime{});
}

namespace {

// Every flag of a probe binary, parsed.
struct ProbeFlags {
  host::HostOptions host;
  std::optional<std::string> node;
  std::optional<std::string> wave;
  std::string format = "json";
  AgentFlags agent;
  std::optional<std::string> capture;
};

void add_probe_flags(CLI::App& app, const ProbeSpec& spec, ProbeFlags& f) {
  app.add_option("--host-root", f.host.root,
                 "Directory where the host's /sys, /dev and /proc are visible")
      ->capture_default_str();
  if (spec.reads_cpu) {
    app.add_option("--cpuid-file", f.host.cpuid_file,
                   "Replay `cpuid -r -1` output instead of executing CPUID");
    app.add_option("--msr-file", f.host.msr_file,
                   "Replay \"0xREG 0xVALUE\" lines instead of reading /dev/cpu/0/msr");
  }
  app.add_option("--node", f.node, "Node name (default: $NODE_NAME, else the hostname)");
  app.add_option("--wave", f.wave, "Rollout anchor (default: $ZTP_PREM_WAVE, else the version)");
  app.add_option("--format", f.format, "Output format")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string(ZTP_VERSION));
  add_agent_flags(app, f.agent);
  add_capture_flag(app, f.capture);
  if (spec.make_quoter) {
    add_quote_flags(app, f.agent);
  }
}

// The document's envelope from the flags and the environment; one line on err and nothing
// when the node name or the wave would be refused.
std::optional<report::Envelope> envelope_for(const ProbeFlags& f, const ProbeSpec& spec,
                                             const Environment& env, std::ostream& err) {
  report::Envelope envelope;
  envelope.node = f.node.value_or(env.node_name.value_or(env.hostname));
  if (const auto refused = node_name_problem(envelope.node)) {
    err << spec.name << ": node name '" << text::printable(envelope.node, 80) << "' " << *refused
        << " (use --node or NODE_NAME)\n";
    return std::nullopt;
  }
  envelope.wave = f.wave.value_or(env.wave.value_or(ZTP_VERSION));
  if (!is_wave(envelope.wave)) {
    err << spec.name << ": wave '" << envelope.wave
        << "' must be 1-63 characters of [A-Za-z0-9._-]\n";
    return std::nullopt;
  }
  envelope.probe = {spec.name, ZTP_VERSION};
  return envelope;
}

}  // namespace

int run_probe(const std::vector<std::string>& args, const ProbeSpec& spec, const Environment& env,
              const Clock& clock, std::ostream& out, std::ostream& err,
              const AgentRuntime& runtime) {
  CLI::App app{spec.description, spec.name};
  ProbeFlags flags;
  add_probe_flags(app, spec, flags);
  if (const auto done = parse_command_line(app, args, spec.name, out, err)) {
    return *done;
  }
  auto envelope = envelope_for(flags, spec, env, err);
  if (!envelope) {
    return k_exit_usage;
  }
  auto host = host::Host::open(flags.host);
  if (!host) {
    err << spec.name << ": " << host.error().message << "\n";
    return k_exit_usage;
  }
  if (flags.capture && flags.agent.active()) {
    err << spec.name << ": --capture records one detection; it does not combine with agent mode\n";
    return k_exit_usage;
  }
  if (flags.agent.active()) {
    if (flags.format != "json") {
      err << spec.name << ": --format text is for people; agent mode publishes JSON\n";
      return k_exit_usage;
    }
    auto produce = [&]() {
      report::Envelope e = *envelope;
      e.generated_at = clock.wall_now();
      return spec.detect(host->view(), std::move(e));
    };
    return run_agent(flags.agent, spec.name, produce, runtime, clock, out, err, spec.make_quoter);
  }
  envelope->generated_at = clock.wall_now();
  if (flags.capture) {
    return run_capture(*flags.capture, spec, host->view(), std::move(*envelope), flags.format, out,
                       err);
  }
  return print_document(spec.detect(host->view(), std::move(*envelope)), flags.format, out);
}

int print_document(const report::Document& doc, const std::string& format, std::ostream& out) {
  out << (format == "text" ? report::render_text(doc) : report::render_json(doc));
  out.flush();
  return out ? k_exit_ok : k_exit_internal;
}

int probe_main(int argc, char** argv, const ProbeSpec& spec) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const SystemClock clock;
    agent::StopSignal stop;
    agent::StopSignal::install_signal_handlers(stop);
    return run_probe(args, spec, Environment::from_process(), clock, std::cout, std::cerr,
                     AgentRuntime::from_process(stop));
  } catch (const std::exception& e) {
    std::cerr << spec.name << ": internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << spec.name << ": internal error\n";
  }
  return k_exit_internal;
}

}  // namespace ztp::cli
