#include "host/msr_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "testlib/temp_tree.h"

namespace ztp::host {
namespace {

TEST(ReplayMsr, ReadsListedRegistersOnly) {
  const auto msr = ReplayMsr::parse("0xc0010131 0x0000000000000007\n\n0xc0010010 0x1800000\n");
  ASSERT_TRUE(msr) << msr.error().message;
  EXPECT_EQ(msr->read(0xc0010131).value(), 7u);
  EXPECT_EQ(msr->read(0xc0010010).value(), 0x1800000u);
  EXPECT_EQ(msr->read(0x10).error().kind, ErrorKind::not_found);
}

TEST(ReplayMsr, MalformedLineIsBadInputNamingTheLine) {
  for (const char* text : {"0xc0010131\n", "c0010131 7\n", "0xc0010131 0x7 0x8\n",
                           "0x1c0010131 0x7\n", "0xc0010131 seven\n"}) {
    const auto msr = ReplayMsr::parse(std::string("0x10 0x1\n") + text);
    ASSERT_FALSE(msr) << text;
    EXPECT_NE(msr.error().message.find("line 2"), std::string::npos) << msr.error().message;
  }
}

TEST(DeviceMsr, PreadsEightBytesAtTheRegisterOffset) {
  ztp::testing::TempTree tree;
  tree.write("dev/cpu/0/msr", "");
  const std::string path = tree.str() + "/dev/cpu/0/msr";
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  const std::uint64_t value = 0x7;
  // A sparse file stands in for the device: only the register's 8 bytes are written.
  ASSERT_EQ(::pwrite(fd, &value, sizeof value, 0xc0010131), 8);
  ::close(fd);
  auto files = RootFileSource::open(tree.str());
  ASSERT_TRUE(files);
  const DeviceMsr msr(*files);
  EXPECT_EQ(msr.read(0xc0010131).value(), 7u);
  EXPECT_FALSE(msr.read(0xd0000000));  // past the end: unreadable, not zero
}

TEST(DeviceMsr, MissingDeviceIsUnreadable) {
  ztp::testing::TempTree tree;
  auto files = RootFileSource::open(tree.str());
  ASSERT_TRUE(files);
  const DeviceMsr msr(*files);
  EXPECT_EQ(msr.read(0xc0010131).error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace ztp::host
