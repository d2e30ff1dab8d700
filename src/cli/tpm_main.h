#pragma once
// ztp-prem-tpm's command line: the probe and agent (probe_cli.h), `ak`, which exports
// the attestation key's public area for the off-node verifier (docs/audit.md), and `attest`
// (docs/attest.md).

#include <iosfwd>
#include <string>
#include <vector>

namespace ztp::cli {

// `ztp-prem-tpm ak --tcti SPEC --out FILE` (args without argv[0] and without "ak").
int run_ak(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `ztp-prem-tpm attest --verifier URL --ca F --tcti SPEC --node N --group G --secret NAME
// --out FILE [--force] [--cache FILE] [--cache-ttl DURATION] [--no-cache]`: 0 released (by
// the verifier or from the sealed cache), 4 refused by policy, 2 bad input, 1 fault.
int run_attest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// main() for ztp-prem-tpm: "ak ..." or the probe; never throws.
int tpm_main(int argc, char** argv);

}  // namespace ztp::cli
