#pragma once
// Exit codes every binary shares (project rule): 0 ran, 1 internal fault, 2 bad usage or
// input (with a one-line reason). Tool-specific codes are listed here too, so no two tools
// give the same number different meanings.

namespace ztp {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_internal = 1;
inline constexpr int k_exit_usage = 2;
// (ztp-prem-audit verify uses 3 for a damaged log: k_exit_tampered, cli/audit_cli.h.)
// ztp-prem-tpm attest: the verifier refused to release the secret by policy (not registered,
// EK not trusted, digest not approved, expired...; docs/attest.md). One line says why.
inline constexpr int k_exit_refused = 4;

// ztp-prem-enforce preflight: enforcing would refuse something now (docs/enforcement.md).
inline constexpr int k_exit_preflight_refusals = 5;

}  // namespace ztp
