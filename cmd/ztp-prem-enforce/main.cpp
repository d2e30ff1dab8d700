// ztp-prem-enforce: Tier B enforcement controller, preflight and mode flip.
#include <exception>
#include <iostream>

#include "common/exit_codes.h"
#include "enforce/enforce_cli.h"

int main(int argc, char** argv) {
  try {
    return ztp::enforce::run_enforce(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                     std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "ztp-prem-enforce: internal error: " << e.what() << "\n";
    return ztp::k_exit_internal;
  }
}
