#pragma once
// Whole-file replacement that readers never see half-done: write a dot-named
// temp file in the same directory, fsync it, rename(2) it over the target,
// fsync the directory (rename is atomic within one filesystem; POSIX rename(2)).

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace ztp::publish {

Result<void> write_file_atomic(const std::filesystem::path& dir, std::string_view name,
                               std::string_view content);

// Removes temp files a killed writer left for name (".<name>.tmp.*").
void remove_stale_temp_files(const std::filesystem::path& dir, std::string_view name);

}  // namespace ztp::publish
