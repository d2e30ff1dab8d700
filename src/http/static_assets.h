#pragma once
// A directory of static files (a built web app), loaded into memory once at start:
// requests never touch the filesystem, so no request path can reach a file outside it.
// Only what a build output holds is taken: regular files (no symlinks) whose extension
// has a media type below, and nothing whose name or directory starts with a dot.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ztp::http {

struct Asset {
  std::shared_ptr<const std::string> content;
  std::string content_type;
};

class StaticAssets {
 public:
  // A missing dir is not an error: the result is empty.
  static Result<StaticAssets> load(const std::filesystem::path& dir);

  // path relative to the root ("index.html", "assets/index-abc.js").
  const Asset* find(std::string_view path) const;
  std::size_t size() const { return m_files.size(); }

 private:
  std::map<std::string, Asset, std::less<>> m_files;
};

// Content-Type for a file name's extension (IANA media types); nullopt when not served.
std::optional<std::string_view> content_type_for(std::string_view file_name);

}  // namespace ztp::http
