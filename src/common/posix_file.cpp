#include "common/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ztp {
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
    case ELOOP:
      return "ELOOP";
    case ENOTDIR:
      return "ENOTDIR";
    default:
      return "errno " + std::to_string(err);
  }
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string temp_prefix(std::string_view name) { return "." + std::string(name) + ".tmp."; }

}  // namespace

Error errno_error(const std::filesystem::path& path, std::string_view operation, int err) {
  return Error{error_kind_of_errno(err),
               quoted(path) + ": " + std::string(operation) + ": " + std::strerror(err) + " (" +
                   errno_name(err) + ")",
               err};
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISLNK(mode)) {
    return "a symbolic link";
  }
  return "not a regular file";
}

Result<UniqueFd> open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    return tl::unexpected(errno_error(path, "open", errno));
  }
  return UniqueFd(fd);
}

Result<UniqueFd> open_regular(const std::filesystem::path& path, int flags, RegularOpen how) {
  const int extra = O_NONBLOCK | O_NOCTTY | (how.follow_symlinks ? 0 : O_NOFOLLOW);
  const int raw = ::open(path.c_str(), flags | extra | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    if (err == ELOOP && !how.follow_symlinks) {
      return tl::unexpected(Error{ErrorKind::bad_input,
                                  quoted(path) + " is a symbolic link: refused (it must be the "
                                                 "file itself, not a link to one elsewhere)",
                                  err});
    }
    return tl::unexpected(errno_error(path, "open", err));
  }
  UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return tl::unexpected(errno_error(path, "fstat", errno));
  }
  if (!S_ISREG(st.st_mode) && !(how.allow_char_device && S_ISCHR(st.st_mode))) {
    return fail(ErrorKind::bad_input,
                quoted(path) + " is " + file_type_name(st.st_mode) + ", not a regular file");
  }
  const int fl = ::fcntl(fd.get(), F_GETFL);
  if (fl < 0 || ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) {
    return tl::unexpected(errno_error(path, "fcntl", errno));
  }
  return fd;
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

Result<std::string> read_all(int fd, const std::filesystem::path& path, std::size_t max_bytes) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(errno_error(path, "read", errno));
    }
    if (n == 0) {
      return out;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(ErrorKind::bad_input,
                  quoted(path) + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

Result<std::string> read_local_file(const std::filesystem::path& path, std::size_t max_bytes) {
  auto fd = open_regular(path, O_RDONLY, RegularOpen{true, true});
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  // read(2), not pread: character devices (/dev/null, a terminal) have no offsets.
  std::string out;
  out.resize(max_bytes + 1);  // one byte more tells "exactly max_bytes" from "larger"
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd->get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(errno_error(path, "read", errno));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    return fail(ErrorKind::bad_input,
                quoted(path) + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  out.resize(got);
  return out;
}

Result<void> check_private(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return tl::unexpected(errno_error(path, "fstat", errno));
  }
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorKind::permission_denied,
                "key file " + quoted(path) + " is accessible to group or others (mode " +
                    mode_text(st.st_mode) +
                    "): refusing to seal with it; chmod 600 the file (a Kubernetes Secret "
                    "volume needs defaultMode: 0400)");
  }
  return {};
}

Result<void> check_not_shared_writable(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return tl::unexpected(errno_error(dir, "stat", errno));
  }
  if ((st.st_mode & 022) != 0) {
    return fail(ErrorKind::permission_denied,
                "directory " + quoted(dir) + " is writable by group or others (mode " +
                    mode_text(st.st_mode) +
                    "): anyone who can write there can replace its files; chmod 700 it");
  }
  return {};
}

namespace {

Result<void> replace_file(const std::filesystem::path& dir, std::string_view name,
                          std::string_view content, unsigned mode, bool durable) {
  std::string tmpl = (dir / (temp_prefix(name) + "XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    return tl::unexpected(errno_error(dir, "creating a temp file", errno));
  }
  auto abandon = [&](std::string_view what, int err) {
    ::unlink(tmpl.c_str());
    return tl::unexpected(errno_error(tmpl, what, err));
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    return abandon("fchmod", errno);
  }
  if (auto ok = write_all_at(fd.get(), tmpl, content, 0); !ok) {
    return abandon("write", ok.error().sys_errno);
  }
  if (durable && ::fsync(fd.get()) != 0) {
    return abandon("fsync", errno);
  }
  if (::close(fd.release()) != 0) {
    return abandon("close", errno);
  }
  const std::filesystem::path target = dir / std::string(name);
  if (::rename(tmpl.c_str(), target.c_str()) != 0) {
    return abandon("rename", errno);
  }
  // The rename itself is durable only once the directory is synced.
  return durable ? sync_dir(dir) : Result<void>();
}

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& dir, std::string_view name,
                               std::string_view content, unsigned mode) {
  return replace_file(dir, name, content, mode, true);
}

Result<void> replace_file_unsynced(const std::filesystem::path& dir, std::string_view name,
                                   std::string_view content, unsigned mode) {
  return replace_file(dir, name, content, mode, false);
}

void remove_stale_temp_files(const std::filesystem::path& dir, std::string_view name) {
  const std::string prefix = temp_prefix(name);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.size() == prefix.size() + 6 && file.compare(0, prefix.size(), prefix) == 0) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

}  // namespace ztp
