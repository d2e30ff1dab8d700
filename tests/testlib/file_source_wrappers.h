#pragma once
// FileSource decorators for tests: deny chosen paths (EACCES as an unprivileged
// pod sees it; we run tests as root, where chmod would not deny anything) and
// record every path a detector touches.

#include <map>
#include <set>
#include <string>

#include "host/file_source.h"

namespace ztp::testing {

class RecordingFileSource final : public host::FileSource {
 public:
  explicit RecordingFileSource(const host::FileSource& inner) : m_inner(inner) {}

  void deny(std::string path) { m_denied.insert(std::move(path)); }
  // Paths whose contents were read (read/read_at), with counts.
  const std::map<std::string, int>& contents_read() const { return m_reads; }
  const std::set<std::string>& touched() const { return m_touched; }

  Result<std::string> read(std::string_view path, std::size_t max_bytes) const override {
    note(path, true);
    if (denied(path)) {
      return fail(ErrorKind::permission_denied, "'" + std::string(path) + "': Permission denied");
    }
    return m_inner.read(path, max_bytes);
  }
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::size_t length) const override {
    note(path, true);
    if (denied(path)) {
      return fail(ErrorKind::permission_denied, "'" + std::string(path) + "': Permission denied");
    }
    return m_inner.read_at(path, offset, length);
  }
  Result<bool> exists(std::string_view path) const override {
    note(path, false);
    if (denied(path)) {
      return fail(ErrorKind::permission_denied, "'" + std::string(path) + "': Permission denied");
    }
    return m_inner.exists(path);
  }
  Result<std::vector<std::string>> list(std::string_view dir) const override {
    note(dir, false);
    if (denied(dir)) {
      return fail(ErrorKind::permission_denied, "'" + std::string(dir) + "': Permission denied");
    }
    return m_inner.list(dir);
  }

 private:
  bool denied(std::string_view path) const {
    // A denied directory denies everything below it.
    for (const auto& d : m_denied) {
      if (path == d ||
          (path.size() > d.size() && path.substr(0, d.size()) == d && path[d.size()] == '/')) {
        return true;
      }
    }
    return false;
  }
  void note(std::string_view path, bool content) const {
    m_touched.emplace(path);
    if (content) {
      ++m_reads[std::string(path)];
    }
  }

  const host::FileSource& m_inner;
  std::set<std::string> m_denied;
  mutable std::map<std::string, int> m_reads;
  mutable std::set<std::string> m_touched;
};

}  // namespace ztp::testing
