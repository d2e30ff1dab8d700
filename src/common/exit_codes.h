#pragma once
// Exit codes every binary shares (project rule): 0 ran, 1 internal fault, 2 bad usage or
// input (with a one-line reason).

namespace ztp {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_internal = 1;
inline constexpr int k_exit_usage = 2;
// ztp-prem-enforce preflight: enforcing would refuse something now (docs/enforcement.md).
inline constexpr int k_exit_preflight_refusals = 5;

}  // namespace ztp
