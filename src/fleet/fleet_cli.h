#pragma once
// ztp-prem-fleet's command line: `serve` (the default) and `simulate`.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/exit_codes.h"

namespace ztp::fleet {

// "30m", "90s", "2h", "1h30m"; nullopt for anything else or zero.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// "127.0.0.1:8080", "[::1]:8080", "localhost:0".
struct ListenAddress {
  std::string host;
  int port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

// args excludes argv[0]; executable is argv[0] (for the default dashboard directory).
int run_fleet(const std::vector<std::string>& args, const std::string& executable,
              std::ostream& out, std::ostream& err);

}  // namespace ztp::fleet
