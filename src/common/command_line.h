#pragma once
// One way for every binary to run its CLI11 parser. Included only by command-line code
// (which links CLI11).

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/exit_codes.h"

namespace ztp {

// Parses args (argv without argv[0]). Returns the exit code when parsing ends the run:
// --help and --version print to out (0); a usage error is one line on err (2). Returns
// nothing when the command should go on.
inline std::optional<int> parse_command_line(CLI::App& app, const std::vector<std::string>& args,
                                             std::string_view name, std::ostream& out,
                                             std::ostream& err) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses it reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return k_exit_ok;
  } catch (const CLI::CallForVersion&) {
    out << name << " " << ZTP_VERSION << "\n";
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    err << name << ": " << e.what() << " (see --help)\n";
    return k_exit_usage;
  }
  return std::nullopt;
}

}  // namespace ztp
