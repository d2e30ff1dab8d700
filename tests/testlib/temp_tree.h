#pragma once
// A fresh directory per test, removed afterwards (ccache's TestContext idea).

#include <filesystem>
#include <string>
#include <string_view>

namespace ztp::testing {

class TempTree {
 public:
  TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree();

  const std::filesystem::path& root() const { return m_root; }
  std::string str() const { return m_root.string(); }

  // Creates parent directories as needed. path is relative to the tree, e.g. "sys/x".
  void write(std::string_view path, std::string_view content) const;
  void mkdir(std::string_view path) const;
  void symlink(std::string_view target, std::string_view link) const;

 private:
  std::filesystem::path m_root;
};

}  // namespace ztp::testing
