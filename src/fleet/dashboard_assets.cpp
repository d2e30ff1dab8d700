#include "fleet/dashboard_assets.h"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace ztp::fleet {

namespace {

// A built Vite app is a few MiB; anything far larger is not the dashboard.
constexpr std::uintmax_t k_max_total_bytes = 64ULL * 1024 * 1024;

}  // namespace

std::string_view content_type_for(std::string_view name) {
  // IANA media types registry; "charset=utf-8" for text so browsers never sniff.
  constexpr std::array<std::pair<std::string_view, std::string_view>, 14> k_types = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [ext, type] : k_types) {
    if (name.ends_with(ext)) {
      return type;
    }
  }
  return "application/octet-stream";
}

Result<DashboardAssets> DashboardAssets::load(const std::filesystem::path& dir) {
  DashboardAssets assets;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return assets;
  }
  std::uintmax_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) {
      continue;
    }
    total += it->file_size(ec);
    if (total > k_max_total_bytes) {
      return fail(ErrorKind::bad_input,
                  "dashboard directory '" + dir.string() + "' holds more than 64 MiB");
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    const std::string relative = it->path().lexically_relative(dir).generic_string();
    assets.m_files[relative] =
        Asset{content.str(), std::string(content_type_for(it->path().filename().string()))};
  }
  if (ec) {
    return fail(ErrorKind::io_error, "reading dashboard '" + dir.string() + "': " + ec.message());
  }
  return assets;
}

const Asset* DashboardAssets::find(std::string_view path) const {
  const auto it = m_files.find(path);
  return it == m_files.end() ? nullptr : &it->second;
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
