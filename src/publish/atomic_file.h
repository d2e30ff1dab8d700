#pragma once
// Whole-file replacement that readers never see half-done: write a dot-named
// temp file in the same directory, fsync it, rename(2) it over the target,
// fsync the directory (rename is atomic within one filesystem; POSIX rename(2)).

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace ztp::publish {

// mode: 0644 for documents other users read; 0600 for state only its owner may read.
Result<void> write_file_atomic(const std::filesystem::path& dir, std::string_view name,
                               std::string_view content, mode_t mode = 0644);

// Removes temp files a killed writer left for name (".<name>.tmp.*").
void remove_stale_temp_files(const std::filesystem::path& dir, std::string_view name);

}  // namespace ztp::publish
