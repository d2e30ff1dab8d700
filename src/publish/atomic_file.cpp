#include "publish/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/unique_fd.h"

namespace ztp::publish {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

std::string temp_prefix(std::string_view name) { return "." + std::string(name) + ".tmp."; }

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& dir, std::string_view name,
                               std::string_view content, mode_t mode) {
  std::string tmpl = (dir / (temp_prefix(name) + "XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    const int e = errno;
    return fail(e == EACCES || e == EPERM ? ErrorKind::permission_denied : ErrorKind::io_error,
                "cannot create a temp file in '" + dir.string() + "': " + errno_text(e));
  }
  auto abandon = [&](const std::string& what) {
    const int e = errno;
    ::unlink(tmpl.c_str());
    return fail(ErrorKind::io_error, what + " '" + tmpl + "': " + errno_text(e));
  };
  // Documents: readers (the fleet service, NFD) run as other users; state: owner only.
  if (::fchmod(fd.get(), mode) != 0) {
    return abandon("cannot chmod");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return abandon("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    return abandon("cannot fsync");
  }
  if (::close(fd.release()) != 0) {
    return abandon("cannot close");
  }
  const std::string target = (dir / std::string(name)).string();
  if (::rename(tmpl.c_str(), target.c_str()) != 0) {
    return abandon("cannot rename");
  }
  // Make the rename itself durable.
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) {
    ::fsync(dfd.get());
  }
  return {};
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

}  // namespace ztp::publish
