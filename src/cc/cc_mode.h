#pragma once
// The CC vocabulary: systemd-detect-virt --cvm names plus "unknown". Generated from
// schema/ccstatus.v1.schema.json ("mode", "hostCapabilities"; docs/vocabulary.md).

#include "vocabulary/vocabulary.gen.h"

namespace ztp::cc {

using GuestMode = vocab::CcMode;
// What this node could launch guests with. Order is the document's order.
using HostCapability = vocab::HostCapability;
using vocab::to_string;

inline constexpr const auto& k_all_modes = vocab::k_cc_mode_values;
inline constexpr const auto& k_all_capabilities = vocab::k_host_capability_values;

}  // namespace ztp::cc
