#pragma once
// Reading a file an operator names on the command line or in a kubeconfig (replay files,
// tokens, CA bundles). One implementation for every binary, because the hostile cases are
// the same everywhere: a directory or a FIFO given by mistake, a huge file, a read error.

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/result.h"

namespace ztp {

// The whole file, at most max_bytes. Opened O_NONBLOCK and refused unless it is a regular
// file or a character device (`/dev/null` as "empty"; a terminal answers EAGAIN, an
// endless device "larger than"): a FIFO without writer would block forever, a directory
// would read as empty;
// larger than max_bytes and read errors (EIO) are errors, never a shortened or empty
// result. Kinds: not_found / permission_denied from open, bad_input for type and size,
// io_error for read errors. Messages name the path.
Result<std::string> read_local_file(const std::string& path, std::size_t max_bytes);

// "a directory", "a FIFO", "a socket", "a character device", "a block device" for
// st_mode, else "not a regular file": how refusals of the wrong file type read.
const char* file_type_name(mode_t mode);

}  // namespace ztp
