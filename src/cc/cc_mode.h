#pragma once
// The CC vocabulary: systemd-detect-virt --cvm names plus "unknown".

#include <string_view>
#include <vector>

namespace ztp::cc {

enum class GuestMode { none, sev, sev_es, sev_snp, tdx, cca, protvirt, unknown };

// What this node could launch guests with. Order is the document's order.
enum class HostCapability { sev, sev_es, sev_snp, tdx, protvirt };

std::string_view to_string(GuestMode mode);
std::string_view to_string(HostCapability capability);

inline constexpr GuestMode k_all_modes[] = {
    GuestMode::none, GuestMode::sev, GuestMode::sev_es,   GuestMode::sev_snp,
    GuestMode::tdx,  GuestMode::cca, GuestMode::protvirt, GuestMode::unknown};
inline constexpr HostCapability k_all_capabilities[] = {
    HostCapability::sev, HostCapability::sev_es, HostCapability::sev_snp, HostCapability::tdx,
    HostCapability::protvirt};

}  // namespace ztp::cc
