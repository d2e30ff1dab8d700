#pragma once
// ztp-prem-attest's command line: `serve`, `policy approve|revoke`, `secret put`
// (docs/attest.md documents every flag).

#include <iosfwd>
#include <string>
#include <vector>

namespace ztp::cli {

// args excludes argv[0]; in is the secret for `secret put`.
int run_attest(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err);

int attest_main(int argc, char** argv);

}  // namespace ztp::cli
