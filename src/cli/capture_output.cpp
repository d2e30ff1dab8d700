// Writes a capture to a directory or as a tar stream. libarchive (libarchive-dev) writes the
// archive: tar's header rules (long names, checksums, pax records) are not ours to redo.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>

#include "cli/capture.h"
#include "common/posix_file.h"

namespace ztp::cli {
namespace {

using host::TreeEntry;
namespace fs = std::filesystem;

// Capture files are plain data for people and tests: world-readable, no timestamps,
// owned by root in the archive, so two captures of one machine are byte-identical.
constexpr unsigned k_dir_mode = 0755;
constexpr unsigned k_file_mode = 0644;

Error unwritable(const fs::path& path, std::string_view what, int err) {
  return Error{ErrorKind::bad_input, "cannot write '" + path.string() + "': " + std::string(what) +
                                         ": " + std::strerror(err)};
}

// The target must be new or an empty directory: a capture never mixes with other files.
Result<void> prepare_dir(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      return fail(ErrorKind::bad_input, "'" + dir.string() + "' exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec) || ec) {
      return fail(ErrorKind::bad_input, "'" + dir.string() + "' exists and is not empty");
    }
    return {};
  }
  if (::mkdir(dir.c_str(), k_dir_mode) != 0) {
    return tl::unexpected(unwritable(dir, "mkdir", errno));
  }
  return {};
}

Result<void> write_entry(const fs::path& dir, const TreeEntry& e) {
  const fs::path path = dir / e.path;
  switch (e.kind) {
    case TreeEntry::Kind::directory:
      if (::mkdir(path.c_str(), k_dir_mode) != 0 && errno != EEXIST) {
        return tl::unexpected(unwritable(path, "mkdir", errno));
      }
      return {};
    case TreeEntry::Kind::symlink:
      if (::symlink(e.data.c_str(), path.c_str()) != 0) {
        return tl::unexpected(unwritable(path, "symlink", errno));
      }
      return {};
    case TreeEntry::Kind::file:
      break;
  }
  // O_EXCL | O_NOFOLLOW: a file is only ever created, never written through a link.
  auto fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, k_file_mode);
  if (!fd) {
    return tl::unexpected(Error{ErrorKind::bad_input, fd.error().message});
  }
  if (auto w = write_all_at(fd->get(), path, e.data, 0); !w) {
    return tl::unexpected(Error{ErrorKind::bad_input, w.error().message});
  }
  return {};
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t write_to_stream(archive*, void* stream, const void* buffer, size_t length) {
  auto& out = *static_cast<std::ostream*>(stream);
  out.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
  return out ? static_cast<la_ssize_t>(length) : -1;
}

Error archive_error(archive* a) {
  const char* message = archive_error_string(a);
  return Error{ErrorKind::io_error,
               std::string("writing the tar stream: ") + (message ? message : "failed")};
}

Result<void> add_to_archive(archive* a, const TreeEntry& e) {
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), e.path.c_str());
  switch (e.kind) {
    case TreeEntry::Kind::directory:
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_perm(entry.get(), k_dir_mode);
      break;
    case TreeEntry::Kind::symlink:
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_perm(entry.get(), 0777);
      archive_entry_set_symlink(entry.get(), e.data.c_str());
      break;
    case TreeEntry::Kind::file:
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), k_file_mode);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
      break;
  }
  // ARCHIVE_WARN: written, with a note (a name not in the locale's charset, say).
  if (archive_write_header(a, entry.get()) < ARCHIVE_WARN) {
    return tl::unexpected(archive_error(a));
  }
  if (e.kind == TreeEntry::Kind::file && !e.data.empty() &&
      archive_write_data(a, e.data.data(), e.data.size()) < 0) {
    return tl::unexpected(archive_error(a));
  }
  return {};
}

}  // namespace

Result<void> write_capture_dir(const std::string& dir, const std::vector<TreeEntry>& entries) {
  if (auto ready = prepare_dir(dir); !ready) {
    return ready;
  }
  for (const auto& e : entries) {
    if (auto w = write_entry(dir, e); !w) {
      return w;
    }
  }
  return {};
}

Result<void> write_capture_tar(std::ostream& out, const std::vector<TreeEntry>& entries) {
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  if (!a) {
    return fail(ErrorKind::io_error, "writing the tar stream: out of memory");
  }
  // pax: ustar headers, with extended records only where a sysfs path exceeds 100 bytes.
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_add_filter_none(a.get()) != ARCHIVE_OK ||
      // Unpadded final block: the stream is piped, not written to a tape.
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
      archive_write_open2(a.get(), &out, nullptr, write_to_stream, nullptr, nullptr) !=
          ARCHIVE_OK) {
    return tl::unexpected(archive_error(a.get()));
  }
  for (const auto& e : entries) {
    if (auto added = add_to_archive(a.get(), e); !added) {
      return added;
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return tl::unexpected(archive_error(a.get()));
  }
  out.flush();
  return {};
}

}  // namespace ztp::cli
