#include "testlib/temp_tree.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace ztp::testing {

TempTree::TempTree() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ztp-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_root = pattern;
}

TempTree::~TempTree() {
  std::error_code ignored;
  std::filesystem::remove_all(m_root, ignored);
}

void TempTree::write(std::string_view path, std::string_view content) const {
  const auto full = m_root / path;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

void TempTree::mkdir(std::string_view path) const {
  std::filesystem::create_directories(m_root / path);
}

void TempTree::symlink(std::string_view target, std::string_view link) const {
  const auto full = m_root / link;
  std::filesystem::create_directories(full.parent_path());
  std::filesystem::create_symlink(target, full);
}

}  // namespace ztp::testing
