// ztp-prem-attest: the verifier and key broker (serve, policy, secret).
#include "cli/attest_cli.h"

int main(int argc, char** argv) { return ztp::cli::attest_main(argc, argv); }
