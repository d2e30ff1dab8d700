// ztp-prem-detect: prints this node's CCStatus document.
#include "cli/probe_cli.h"

int main(int argc, char** argv) { return ztp::cli::probe_main(argc, argv, ztp::cli::cc_probe()); }
