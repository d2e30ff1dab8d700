#include "common/local_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace ztp {
namespace {

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

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
  return "not a regular file";
}

Result<std::string> read_local_file(const std::string& path, std::size_t max_bytes) {
  const int raw = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    return fail(error_kind_of_errno(err),
                "cannot read " + quoted(path) + ": " + std::strerror(err));
  }
  const UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    return fail(ErrorKind::io_error, "cannot read " + quoted(path) + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
    return fail(ErrorKind::bad_input,
                quoted(path) + " is " + file_type_name(st.st_mode) + ", not a regular file");
  }
  std::string out;
  out.resize(max_bytes + 1);  // one byte more tells "exactly max_bytes" from "larger"
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      return fail(ErrorKind::io_error, "cannot read " + quoted(path) + ": " + std::strerror(err));
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

}  // namespace ztp
