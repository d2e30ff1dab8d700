// ztp-prem-audit: set up, verify and show the sealed audit log.
#include "cli/audit_cli.h"

int main(int argc, char** argv) { return ztp::cli::audit_main(argc, argv); }
