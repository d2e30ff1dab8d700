// ztp-prem-agent: both probes in one binary for the agents' image (docs/deploy.md "The
// images"): run as ztp-prem-detect or ztp-prem-tpm (a link of that name), or with the probe's
// name as the first argument. One copy of the shared code keeps the image within its budget.
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/probe_cli.h"
#include "cli/tpm_main.h"
#include "common/exit_codes.h"

namespace {

std::string_view base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int run_as(std::string_view name, int argc, char** argv) {
  if (name == "ztp-prem-detect") return ztp::cli::probe_main(argc, argv, ztp::cli::cc_probe());
  if (name == "ztp-prem-tpm") return ztp::cli::tpm_main(argc, argv);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 1) return ztp::k_exit_usage;
  if (int rc = run_as(base_name(argv[0]), argc, argv); rc >= 0) return rc;
  // `ztp-prem-agent ztp-prem-detect ARGS...`: the probe sees its own name as argv[0].
  if (argc >= 2)
    if (int rc = run_as(argv[1], argc - 1, argv + 1); rc >= 0) return rc;
  std::cerr << "usage: ztp-prem-agent ztp-prem-detect|ztp-prem-tpm [ARGS...] (or run it through a "
               "link named ztp-prem-detect or ztp-prem-tpm)\n";
  return ztp::k_exit_usage;
}
