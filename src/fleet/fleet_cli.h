#pragma once
// ztp-prem-fleet's command line: `serve` (the default) and `simulate`.

#include <ostream>
#include <string>
#include <vector>

#include "common/exit_codes.h"

namespace ztp::fleet {

// args excludes argv[0]; executable is argv[0] (for the default dashboard directory).
int run_fleet(const std::vector<std::string>& args, const std::string& executable,
              std::ostream& out, std::ostream& err);

}  // namespace ztp::fleet
