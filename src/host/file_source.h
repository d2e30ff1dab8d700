#pragma once
// Files of the inspected host, addressed by their absolute path on that host
// ("/sys/module/kvm_amd/parameters/sev"). The only way probes see files.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::host {

class FileSource {
 public:
  virtual ~FileSource() = default;

  // Reads at most max_bytes from the start of the file. Sysfs attributes fit in a page.
  virtual Result<std::string> read(std::string_view path, std::size_t max_bytes = 4096) const = 0;

  // Reads exactly length bytes at offset (device registers such as /dev/cpu/0/msr).
  virtual Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                                      std::size_t length) const = 0;

  // true/false for present/absent (ENOENT, ENOTDIR); an error when it cannot tell (EACCES).
  // Only existence is tested: fixtures stand in for device nodes with empty regular files.
  virtual Result<bool> exists(std::string_view path) const = 0;

  // Entry names of a directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> list(std::string_view dir) const = 0;

  // The target of path when its last component is a symbolic link; nullopt when it is
  // not one or is absent. Only a capture asks (host/recording.h), to keep the links it
  // went through; sources without links (fixture wrappers) keep this default.
  virtual Result<std::optional<std::string>> read_link(std::string_view path) const;
};

// A FileSource below a root directory: "/" on the node, "/host" in the DaemonSet,
// a fixture tree in tests. Paths resolve as if root were "/" (openat2 RESOLVE_IN_ROOT),
// so an absolute symlink inside a mounted host tree stays inside it.
class RootFileSource final : public FileSource {
 public:
  // Fails (bad_input) when root is not a readable directory.
  static Result<RootFileSource> open(const std::string& root);

  RootFileSource(RootFileSource&& other) noexcept;
  RootFileSource& operator=(RootFileSource&&) = delete;
  RootFileSource(const RootFileSource&) = delete;
  RootFileSource& operator=(const RootFileSource&) = delete;
  ~RootFileSource() override;

  Result<std::string> read(std::string_view path, std::size_t max_bytes = 4096) const override;
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::size_t length) const override;
  Result<bool> exists(std::string_view path) const override;
  Result<std::vector<std::string>> list(std::string_view dir) const override;
  Result<std::optional<std::string>> read_link(std::string_view path) const override;

 private:
  explicit RootFileSource(int root_fd) : m_root_fd(root_fd) {}
  Result<int> open_below_root(std::string_view path, int flags) const;

  int m_root_fd;
};

// Git cannot store an empty directory; fixtures keep one with this placeholder,
// which list() leaves out. No kernel directory we read ever holds such a name.
inline constexpr std::string_view k_empty_dir_placeholder = ".gitkeep";

}  // namespace ztp::host
