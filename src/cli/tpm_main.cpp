#include "cli/tpm_main.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

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

}  // namespace

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
  return probe_main(argc, argv, tpm_probe());
}

}  // namespace ztp::cli
