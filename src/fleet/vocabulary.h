#pragma once
// The words the fleet counts by: the probes' output vocabulary, generated from schema/
// (docs/vocabulary.md). The fleet reads documents, it never links a detector; a word's
// index in these arrays is the value of its generated enum.

#include <array>
#include <optional>
#include <string_view>

#include "vocabulary/vocabulary.gen.h"

namespace ztp::fleet {

inline constexpr const auto& k_modes = vocab::k_cc_mode_words;                 // CCStatus.mode
inline constexpr const auto& k_capabilities = vocab::k_host_capability_words;  // hostCapabilities
inline constexpr const auto& k_families = vocab::k_tpm_family_words;           // TPMStatus.family
inline constexpr const auto& k_readiness = vocab::k_tpm_readiness_words;       // readiness.verdict
inline constexpr const auto& k_missing_parts = vocab::k_tpm_missing_part_words;  // .missing
inline constexpr const auto& k_firmware_tables = vocab::k_tpm_firmware_table_words;
// envelope.v1 "enforcement": the Tier B enforcement mode in force (docs/enforcement.md).
inline constexpr const auto& k_enforcement_modes = vocab::k_enforcement_mode_words;

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

// The index of an enum value in its vocabulary's word array.
template <vocab::VocabularyEnum E>
constexpr int index(E value) {
  return static_cast<int>(value);
}

}  // namespace ztp::fleet
