#pragma once
// ztp-prem-audit: setup, verify and show for the sealed audit log (src/audit/).
// Exit codes: 0 done / log clean, 2 bad usage or unreadable input, 3 log tampered
// (verify found a bad record), 1 internal fault.

#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace ztp::cli {

inline constexpr int k_exit_tampered = 3;

int run_audit(const std::vector<std::string>& args, const Clock& clock, std::istream& in,
              std::ostream& out, std::ostream& err);

int audit_main(int argc, char** argv);

}  // namespace ztp::cli
