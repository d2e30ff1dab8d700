#include "cli/tpm_main.h"

#include <sys/stat.h>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "attest/node_client.h"
#include "cli/probe_cli.h"
#include "common/command_line.h"
#include "common/posix_file.h"
#include "esapi/attestation.h"
#include "esapi/esapi_session.h"
#include "tpmquote/quote_verify.h"

namespace ztp::cli {
namespace {

constexpr const char* k_name = "ztp-prem-tpm ak";

int fault(std::ostream& err, const Error& error) {
  err << k_name << ": " << error.message << "\n";
  return error.kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
}

constexpr const char* k_attest_name = "ztp-prem-tpm attest";

int attest_fault(std::ostream& err, const Error& error) {
  err << k_attest_name << ": " << error.message << "\n";
  return error.kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
}

// The released secret: 0600, replaced atomically, and never over an existing file
// unless --force (a node must not silently lose the key it had).
Result<void> write_secret(const std::string& out_path, std::string_view secret, bool force) {
  struct stat st {};
  if (!force && ::lstat(out_path.c_str(), &st) == 0) {
    return fail(ErrorKind::bad_input, "'" + out_path + "' exists (use --force to replace it)");
  }
  const std::filesystem::path path(out_path);
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  return write_file_atomic(dir, path.filename().string(), secret, 0600);
}

}  // namespace

int run_attest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Prove this node's boot state to the verifier with a TPM quote and write the secret it "
      "releases (registers this TPM first when the verifier does not know the node).",
      k_attest_name};
  attest::NodeOptions o;
  std::string ca_file;
  std::string out_path;
  bool force = false;
  long timeout_ms = 10000;
  app.add_option("--verifier", o.verifier, "https://HOST:PORT of ztp-prem-attest serve")
      ->required();
  app.add_option("--ca", ca_file, "PEM CA bundle the verifier's certificate must chain to")
      ->required();
  app.add_option("--tcti", o.tcti, "The TPM: device:/dev/tpmrmN or swtpm:host=H,port=N")
      ->required();
  app.add_option("--node", o.node, "This node's name (as registered)")->required();
  app.add_option("--group", o.group, "The node's group (used when registering)")->required();
  app.add_option("--secret", o.secret, "Name of the secret to release")->required();
  app.add_option("--out", out_path, "File to write the secret to (0600)")->required();
  app.add_flag("--force", force, "Replace --out if it exists");
  app.add_option("--timeout-ms", timeout_ms, "Per HTTPS request, connect to last byte")
      ->capture_default_str()
      ->check(CLI::Range(100L, 600000L));
  if (const auto done = parse_command_line(app, args, k_attest_name, out, err)) {
    return *done;
  }
  o.timeout = std::chrono::milliseconds(timeout_ms);
  auto ca = read_local_file(ca_file, 1024 * 1024);
  if (!ca) {
    return attest_fault(err, ca.error());
  }
  o.ca_pem = *ca;
  struct stat st {};
  if (!force && ::lstat(out_path.c_str(), &st) == 0) {
    return attest_fault(
        err, Error{ErrorKind::bad_input, "'" + out_path + "' exists (use --force to replace it)"});
  }
  auto result = attest::attest_node(o);
  if (!result) {
    return attest_fault(err, result.error());
  }
  if (!*result) {
    err << k_attest_name << ": refused: " << result->error().code << ": " << result->error().reason
        << "\n";
    return k_exit_refused;
  }
  if (auto ok = write_secret(out_path, **result, force); !ok) {
    return attest_fault(err, ok.error());
  }
  err << k_attest_name << ": released; wrote secret " << o.secret << " to '" << out_path << "'\n";
  return k_exit_ok;
}

int run_ak(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Write the attestation key's public area (the AK file `ztp-prem-audit verify --ak` "
      "takes). The AK is derived from the TPM's owner seed: the same key every boot.",
      k_name};
  std::string tcti;
  std::string out_path;
  app.add_option("--tcti", tcti, "The TPM: device:/dev/tpmrmN or swtpm:host=H,port=N")->required();
  app.add_option("--out", out_path, "AK file to write (copy it off the node)")->required();
  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  auto session = esapi::Session::open(tcti);
  if (!session) {
    return fault(err, session.error());
  }
  auto pub = esapi::attestation_key_public(*session);
  if (!pub) {
    return fault(err, pub.error());
  }
  auto ak = tpmquote::ak_from_public(*pub);
  if (!ak) {
    return fault(err, ak.error());
  }
  const std::filesystem::path path(out_path);
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  if (auto ok = write_file_atomic(dir, path.filename().string(), tpmquote::ak_file_text(*ak));
      !ok) {
    return fault(err, ok.error());
  }
  // The AK identifies this TPM: it goes to the file only, never to stdout or a log.
  err << k_name << ": wrote the AK public area to '" << out_path
      << "'. Copy it to where audit logs are verified and delete it from this node.\n";
  return k_exit_ok;
}

int tpm_main(int argc, char** argv) {
  // tpm2-tss logs WARNING/ERROR lines of its own on stderr, which would break the agent's
  // JSON lines; each failure reaches our log as an error value instead. An operator's own
  // TSS2_LOG still wins (tpm2-tss doc/logging.md).
  (void)::setenv("TSS2_LOG", "all+NONE", 0);
  if (argc > 1 && std::string_view(argv[1]) == "ak") {
    try {
      return run_ak(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << k_name << ": internal error: " << e.what() << "\n";
      return k_exit_internal;
    }
  }
  if (argc > 1 && std::string_view(argv[1]) == "attest") {
    try {
      return run_attest(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << k_attest_name << ": internal error: " << e.what() << "\n";
      return k_exit_internal;
    }
  }
  return probe_main(argc, argv, tpm_probe());
}

}  // namespace ztp::cli
