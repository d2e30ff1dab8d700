#pragma once
// The built dashboard (dashboard/dist), loaded into memory once at start through the HTTP
// component's StaticAssets: build output only (no dotfiles, no symlinks, known media
// types), and no request path can reach a file outside it.

#include <filesystem>
#include <string_view>

#include "common/result.h"
#include "http/static_assets.h"

namespace ztp::fleet {

class DashboardAssets {
 public:
  // A missing dir is not an error: available() is false and the page says it is not built.
  static Result<DashboardAssets> load(const std::filesystem::path& dir);

  bool available() const { return m_assets.find("index.html") != nullptr; }
  // path relative to the dashboard root ("index.html", "assets/index-abc.js").
  const http::Asset* find(std::string_view path) const { return m_assets.find(path); }
  std::size_t size() const { return m_assets.size(); }

 private:
  http::StaticAssets m_assets;
};

// Where the dashboard is when --dashboard-dir is not given: dashboard/dist next to the
// installed binary's share directory, or in the source tree the binary was built from.
std::filesystem::path default_dashboard_dir(const std::filesystem::path& executable);

}  // namespace ztp::fleet
