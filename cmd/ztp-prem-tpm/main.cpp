// ztp-prem-tpm: prints this node's TPMStatus document; `ztp-prem-tpm ak` exports the AK.
#include "cli/tpm_main.h"

int main(int argc, char** argv) { return ztp::cli::tpm_main(argc, argv); }
