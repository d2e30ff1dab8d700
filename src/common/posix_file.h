#pragma once
// The one set of POSIX file helpers every binary uses (host view, replay files, tokens,
// publishers, the audit log). Every failure becomes an Error naming the file, the
// operation and the errno, e.g.
// "'/var/lib/x/audit-00000001.jsonl': write: No space left on device (ENOSPC)", with
// Error::sys_errno set so callers branch on the errno, never on message text.
// Files whose type we did not choose are opened O_NONBLOCK and checked with fstat(2)
// before any read: a FIFO without writer would block forever, a directory read as empty.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace ztp {

// "<path>: <operation>: <strerror> (<ERRNO name>)" with the given errno.
Error errno_error(const std::filesystem::path& path, std::string_view operation, int err);

// "a directory", "a FIFO", "a socket", "a character device", "a block device" for
// st_mode, else "not a regular file": how refusals of the wrong file type read.
const char* file_type_name(mode_t mode);

Result<UniqueFd> open_file(const std::filesystem::path& path, int flags, unsigned mode = 0600);

struct RegularOpen {
  bool follow_symlinks = true;  // false: O_NOFOLLOW, a symlink is refused (key state)
  bool allow_char_device = false;
};
// Opens an existing file (flags: O_RDONLY or O_RDWR) without blocking and refuses it
// (bad_input, naming its type) unless it is a regular file (or, if allowed, a character
// device); then clears O_NONBLOCK.
Result<UniqueFd> open_regular(const std::filesystem::path& path, int flags, RegularOpen how = {});

// Writes all of data at offset (pwrite loop); on error some prefix may have been written.
Result<void> write_all_at(int fd, const std::filesystem::path& path, std::string_view data,
                          std::uint64_t offset);
Result<void> sync_data(int fd, const std::filesystem::path& path);
Result<void> sync_file(int fd, const std::filesystem::path& path);
// Makes a create, rename or unlink in dir durable (fsync(2) on the directory).
Result<void> sync_dir(const std::filesystem::path& dir);
Result<std::uint64_t> file_size(int fd, const std::filesystem::path& path);
// At most max_bytes from offset 0; more is bad_input ("larger than N bytes").
Result<std::string> read_all(int fd, const std::filesystem::path& path, std::size_t max_bytes);

// The whole file, at most max_bytes, opened with open_regular (character devices allowed:
// `/dev/null` as "empty"). Kinds: not_found / permission_denied from open, bad_input for
// type and size, io_error for read errors. For replay files, tokens, CA bundles, key files.
Result<std::string> read_local_file(const std::filesystem::path& path, std::size_t max_bytes);

// Key material must not be readable by anyone but its owner: refuses group/other bits.
Result<void> check_private(int fd, const std::filesystem::path& path);
// A directory holding key state or logs must not be writable by group or others: whoever
// can write there can swap files under the writer. permission_denied names the mode.
Result<void> check_not_shared_writable(const std::filesystem::path& dir);

// Whole-file replacement that readers never see half-done: a dot-named temp file in the
// same directory with the given mode, fsync, rename(2) over the target, fsync of the
// directory (POSIX rename(2) is atomic within one file system). Every failure, the
// directory fsync included, is reported; the temp file never stays behind.
Result<void> write_file_atomic(const std::filesystem::path& dir, std::string_view name,
                               std::string_view content, unsigned mode = 0644);
// The same without either fsync, for derived documents rewritten at every decision (the
// verifier's published verdicts): readers still never see half a file, but after a power
// loss the previous version (or, rarely, none) may be what is there.
Result<void> replace_file_unsynced(const std::filesystem::path& dir, std::string_view name,
                                   std::string_view content, unsigned mode = 0644);
// Removes temp files a killed writer left for name (".<name>.tmp.*").
void remove_stale_temp_files(const std::filesystem::path& dir, std::string_view name);

}  // namespace ztp
