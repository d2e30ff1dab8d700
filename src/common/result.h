#pragma once
// The result type for expected failures (missing file, EACCES, bad input).
// "Absent" is a value, not an error: callers get std::optional or a bool for it.

#include <cerrno>
#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace ztp {

enum class ErrorKind {
  not_found,          // ENOENT, ENOTDIR
  permission_denied,  // EACCES, EPERM
  io_error,           // any other errno
  bad_input,          // malformed outside input (replay files, sysfs text)
  unsupported,        // the source cannot answer on this host
};

struct Error {
  ErrorKind kind;
  std::string message;  // one line, names the file or line concerned
  int sys_errno = 0;    // the errno behind it, 0 when there is none: branch on this, not on text
};

template <class T>
using Result = tl::expected<T, Error>;

// How an errno from a file operation reads as a result: absent, forbidden, or broken.
inline ErrorKind error_kind_of_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return ErrorKind::not_found;
    case EACCES:
    case EPERM:
      return ErrorKind::permission_denied;
    default:
      return ErrorKind::io_error;
  }
}

inline tl::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

}  // namespace ztp

// Propagating a failure unchanged, as ccache's TRY/TRY_ASSIGN macros do
// for the same tl::expected: in a function returning any Result (or any tl::expected with
// the same error type),
//   ZTP_TRY(value, parse(text));   // binds the Result to `value`; returns its error if failed
//   ZTP_TRY_VOID(write(file));     // for a Result<void>
// A macro, because only a macro can return from the calling function.
#define ZTP_TRY(var, expr)                         \
  auto var = (expr);                               \
  if (!var) {                                      \
    return tl::unexpected(std::move(var).error()); \
  }

#define ZTP_TRY_VOID(expr)                                       \
  do {                                                           \
    if (auto ztp_try_result_ = (expr); !ztp_try_result_) {       \
      return tl::unexpected(std::move(ztp_try_result_).error()); \
    }                                                            \
  } while (false)
