// ztp-prem-fleet: serves the fleet view of the probes' status documents.
#include <exception>
#include <iostream>

#include "fleet/fleet_cli.h"

int main(int argc, char** argv) {
  try {
    return ztp::fleet::run_fleet(std::vector<std::string>(argv + 1, argv + argc), argv[0],
                                 std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "ztp-prem-fleet: internal error: " << e.what() << "\n";
    return ztp::k_exit_internal;
  }
}
