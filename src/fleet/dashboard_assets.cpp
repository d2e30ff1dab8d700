#include "fleet/dashboard_assets.h"

#include <utility>

namespace ztp::fleet {

Result<DashboardAssets> DashboardAssets::load(const std::filesystem::path& dir) {
  auto assets = http::StaticAssets::load(dir);
  if (!assets) {
    return fail(assets.error().kind, "dashboard: " + assets.error().message);
  }
  DashboardAssets out;
  out.m_assets = std::move(*assets);
  return out;
}

std::filesystem::path default_dashboard_dir(const std::filesystem::path& executable) {
  std::error_code ec;
  const auto bin = std::filesystem::weakly_canonical(executable, ec).parent_path();
  // Installed: <prefix>/bin/ztp-prem-fleet -> <prefix>/share/ztp-prem/dashboard.
  const auto installed = bin.parent_path() / "share" / "ztp-prem" / "dashboard";
  if (std::filesystem::is_directory(installed, ec)) {
    return installed;
  }
  // Built in the source tree: <src>/build/<preset>/bin/ztp-prem-fleet -> <src>/dashboard/dist.
  const auto source = bin.parent_path().parent_path().parent_path() / "dashboard" / "dist";
  if (std::filesystem::is_directory(source, ec)) {
    return source;
  }
#ifdef ZTP_SOURCE_DIR
  return std::filesystem::path(ZTP_SOURCE_DIR) / "dashboard" / "dist";
#else
  return source;
#endif
}

}  // namespace ztp::fleet
