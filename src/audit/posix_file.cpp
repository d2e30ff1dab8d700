#include "audit/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ztp::audit {
namespace {

std::string errno_name(int err) {
  switch (err) {
    case ENOSPC:
      return "ENOSPC";
    case EROFS:
      return "EROFS";
    case EFBIG:
      return "EFBIG";
    case EDQUOT:
      return "EDQUOT";
    case EIO:
      return "EIO";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    default:
      return "errno " + std::to_string(err);
  }
}

}  // namespace

Error errno_error(const std::filesystem::path& path, std::string_view operation, int err) {
  return Error{error_kind_of_errno(err), "'" + path.string() + "': " + std::string(operation) +
                                             ": " + std::strerror(err) + " (" + errno_name(err) +
                                             ")"};
}

Result<Fd> open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    return tl::unexpected(errno_error(path, "open", errno));
  }
  return Fd(fd);
}

Result<void> write_all_at(int fd, const std::filesystem::path& path, std::string_view data,
                          std::uint64_t offset) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(errno_error(path, "write", errno));
    }
    if (n == 0) {
      return tl::unexpected(errno_error(path, "write", EIO));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// fdatasync(2): flushes the data and the metadata needed to read it back (the file size).
Result<void> sync_data(int fd, const std::filesystem::path& path) {
  if (::fdatasync(fd) != 0) {
    return tl::unexpected(errno_error(path, "fdatasync", errno));
  }
  return {};
}

Result<void> sync_file(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) {
    return tl::unexpected(errno_error(path, "fsync", errno));
  }
  return {};
}

Result<void> sync_dir(const std::filesystem::path& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  return sync_file(fd->get(), dir);
}

Result<std::uint64_t> file_size(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return tl::unexpected(errno_error(path, "fstat", errno));
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::string> read_all(int fd, const std::filesystem::path& path) {
  std::string out;
  char buf[1 << 16];
  std::uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(errno_error(path, "read", errno));
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

Result<std::string> read_path(const std::filesystem::path& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  return read_all(fd->get(), path);
}

Result<void> check_private(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return tl::unexpected(errno_error(path, "fstat", errno));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(ErrorKind::permission_denied,
                "key file '" + path.string() + "' is accessible to group or others (mode " + mode +
                    "): refusing to seal with it; chmod 600 the file (a Kubernetes Secret "
                    "volume needs defaultMode: 0400)");
  }
  return {};
}

}  // namespace ztp::audit
