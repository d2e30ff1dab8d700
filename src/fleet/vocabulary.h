#pragma once
// The words the fleet counts by. They are the probes' output vocabulary
// (schema/ccstatus.v1.schema.json, schema/tpmstatus.v1.schema.json); the fleet reads
// documents, it never links a detector, so it keeps its own copy and the schema test
// keeps both in step.

#include <array>
#include <optional>
#include <string_view>

namespace ztp::fleet {

// CCStatus.mode: systemd-detect-virt --cvm names plus "unknown" (ccstatus.v1 "mode").
inline constexpr std::array<std::string_view, 8> k_modes = {"none", "sev", "sev-es",   "sev-snp",
                                                            "tdx",  "cca", "protvirt", "unknown"};
// CCStatus.hostCapabilities items (ccstatus.v1 "hostCapabilities").
inline constexpr std::array<std::string_view, 5> k_capabilities = {"sev", "sev-es", "sev-snp",
                                                                   "tdx", "protvirt"};
// TPMStatus.family (src/tpm/tpm_family.h on the tpm branch).
inline constexpr std::array<std::string_view, 5> k_families = {"tpm2-rm", "tpm2-raw", "tpm1.2",
                                                               "absent", "unknown"};
// TPMStatus.readiness.verdict.
inline constexpr std::array<std::string_view, 3> k_readiness = {"ready", "partial", "none"};
// TPMStatus.readiness.missing items, in the probe's fixed order.
inline constexpr std::array<std::string_view, 5> k_missing_parts = {
    "tpm2", "driver", "hardwareChip", "resourceManager", "eventLog"};

// envelope.v1 "enforcement": the Tier B enforcement mode in force (docs/enforcement.md).
inline constexpr std::array<std::string_view, 2> k_enforcement_modes = {"advisory", "enforcing"};

// Index of word in words, or nullopt.
template <std::size_t N>
std::optional<int> index_of(const std::array<std::string_view, N>& words, std::string_view word) {
  for (std::size_t i = 0; i < N; ++i) {
    if (words[i] == word) {
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

}  // namespace ztp::fleet
