#pragma once
// Thin RAII and durability helpers over POSIX file descriptors. Every failure
// becomes an Error naming the file and the errno text, e.g.
// "'/var/lib/x/audit-00000001.jsonl': write: No space left on device (ENOSPC)".

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "common/unique_fd.h"

namespace ztp::audit {

using Fd = UniqueFd;

// "<path>: <operation>: <strerror> (<ERRNO name>)" with the given errno.
Error errno_error(const std::filesystem::path& path, std::string_view operation, int err);

Result<Fd> open_file(const std::filesystem::path& path, int flags, unsigned mode = 0600);
// Writes all of data at offset (pwrite loop); on error some prefix may have been written.
Result<void> write_all_at(int fd, const std::filesystem::path& path, std::string_view data,
                          std::uint64_t offset);
Result<void> sync_data(int fd, const std::filesystem::path& path);
Result<void> sync_file(int fd, const std::filesystem::path& path);
// Makes a create, rename or unlink in dir durable (fsync(2) on the directory).
Result<void> sync_dir(const std::filesystem::path& dir);
Result<std::uint64_t> file_size(int fd, const std::filesystem::path& path);
Result<std::string> read_all(int fd, const std::filesystem::path& path);
Result<std::string> read_path(const std::filesystem::path& path);

// Key material must not be readable by anyone but its owner: refuses group/other bits.
Result<void> check_private(int fd, const std::filesystem::path& path);

}  // namespace ztp::audit
