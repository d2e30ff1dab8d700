#include "common/result.h"

#include <gtest/gtest.h>

#include <string>

namespace ztp {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') {
    return tl::unexpected(Error{ErrorKind::bad_input, std::string("not a digit: ") + c, EINVAL});
  }
  return c - '0';
}

Result<void> check_even(int n) {
  if (n % 2 != 0) {
    return fail(ErrorKind::bad_input, "odd");
  }
  return {};
}

// Two digits as a number, when it is even: every failure comes back as it was made.
Result<int> even_number(const std::string& text) {
  ZTP_TRY(tens, parse_digit(text.at(0)));
  ZTP_TRY(ones, parse_digit(text.at(1)));
  const int n = *tens * 10 + *ones;
  ZTP_TRY_VOID(check_even(n));
  return n;
}

TEST(Result, TryBindsTheValueOrReturnsTheErrorUnchanged) {
  EXPECT_EQ(even_number("42").value(), 42);
  const auto bad = even_number("4x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::bad_input);
  EXPECT_EQ(bad.error().message, "not a digit: x");
  EXPECT_EQ(bad.error().sys_errno, EINVAL);  // the errno travels with the error
  const auto odd = even_number("43");
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().message, "odd");
  EXPECT_EQ(odd.error().sys_errno, 0);
}

TEST(Result, ErrnoKinds) {
  EXPECT_EQ(error_kind_of_errno(ENOENT), ErrorKind::not_found);
  EXPECT_EQ(error_kind_of_errno(ENOTDIR), ErrorKind::not_found);
  EXPECT_EQ(error_kind_of_errno(EACCES), ErrorKind::permission_denied);
  EXPECT_EQ(error_kind_of_errno(EPERM), ErrorKind::permission_denied);
  EXPECT_EQ(error_kind_of_errno(EROFS), ErrorKind::io_error);
}

}  // namespace
}  // namespace ztp
