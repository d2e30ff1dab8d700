#pragma once
// The built dashboard (dashboard/dist), loaded into memory once at start: requests never
// touch the filesystem, so no request path can reach a file outside it.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::fleet {

struct Asset {
  std::string content;
  std::string content_type;
};

class DashboardAssets {
 public:
  // Loads every regular file below dir (symlinks are not followed). A missing dir is not an
  // error: available() is false and the page says the dashboard is not built.
  static Result<DashboardAssets> load(const std::filesystem::path& dir);

  bool available() const { return m_files.contains("index.html"); }
  // path relative to the dashboard root ("index.html", "assets/index-abc.js").
  const Asset* find(std::string_view path) const;
  std::size_t size() const { return m_files.size(); }

 private:
  std::map<std::string, Asset, std::less<>> m_files;
};

// Content-Type for a file name's extension (IANA media types); octet-stream otherwise.
std::string_view content_type_for(std::string_view file_name);

// Where the dashboard is when --dashboard-dir is not given: dashboard/dist next to the
// installed binary's share directory, or in the source tree the binary was built from.
std::filesystem::path default_dashboard_dir(const std::filesystem::path& executable);

}  // namespace ztp::fleet
