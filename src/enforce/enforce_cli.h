#pragma once
// ztp-prem-enforce's command line: `controller`, `preflight`, `mode` (docs/enforcement.md).

#include <ostream>
#include <string>
#include <vector>

namespace ztp::enforce {

// args excludes argv[0].
int run_enforce(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ztp::enforce
