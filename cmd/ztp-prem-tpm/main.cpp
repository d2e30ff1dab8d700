// ztp-prem-tpm: prints this node's TPMStatus document.
#include "cli/probe_cli.h"

int main(int argc, char** argv) { return ztp::cli::probe_main(argc, argv, ztp::cli::tpm_probe()); }
