#include "http/static_assets.h"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace ztp::http {

namespace {

// A built web app is a few MiB; anything far larger is not one.
constexpr std::uintmax_t k_max_total_bytes = 64ULL * 1024 * 1024;

bool hidden(const std::filesystem::path& name) { return name.string().starts_with('.'); }

}  // namespace

std::optional<std::string_view> content_type_for(std::string_view name) {
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
  return std::nullopt;
}

Result<StaticAssets> StaticAssets::load(const std::filesystem::path& dir) {
  StaticAssets assets;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return assets;
  }
  std::uintmax_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename();
    if (hidden(name)) {
      it.disable_recursion_pending();  // .git/, .vite/: never served, never walked
      continue;
    }
    const auto type = content_type_for(name.string());
    if (it->is_symlink(ec) || !it->is_regular_file(ec) || !type) {
      continue;
    }
    total += it->file_size(ec);
    if (total > k_max_total_bytes) {
      return fail(ErrorKind::bad_input,
                  "static directory '" + dir.string() + "' holds more than 64 MiB");
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) {
      return fail(ErrorKind::io_error, "cannot read '" + it->path().string() + "'");
    }
    const std::string relative = it->path().lexically_relative(dir).generic_string();
    assets.m_files[relative] =
        Asset{std::make_shared<const std::string>(content.str()), std::string(*type)};
  }
  if (ec) {
    return fail(ErrorKind::io_error, "reading '" + dir.string() + "': " + ec.message());
  }
  return assets;
}

const Asset* StaticAssets::find(std::string_view path) const {
  const auto it = m_files.find(path);
  return it == m_files.end() ? nullptr : &it->second;
}

}  // namespace ztp::http
