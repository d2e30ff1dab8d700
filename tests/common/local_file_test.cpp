#include "common/local_file.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "testlib/temp_tree.h"

namespace ztp {
namespace {

using ztp::testing::TempTree;

TEST(ReadLocalFile, ReadsAWholeFile) {
  TempTree tree;
  tree.write("replay.txt", "0x0 0x0: eax=0x1\n");
  EXPECT_EQ(read_local_file((tree.root() / "replay.txt").string(), 1024).value(),
            "0x0 0x0: eax=0x1\n");
}

TEST(ReadLocalFile, ExactlyTheCapIsFineOneMoreIsNot) {
  TempTree tree;
  tree.write("f", std::string(100, 'x'));
  EXPECT_EQ(read_local_file((tree.root() / "f").string(), 100).value().size(), 100u);
  const auto big = read_local_file((tree.root() / "f").string(), 99);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::bad_input);
  EXPECT_NE(big.error().message.find("larger than 99 bytes"), std::string::npos);
}

// redteam.md BUG-8: a directory was read as an empty replay ("no CPUID", exit 0).
TEST(ReadLocalFile, RefusesADirectory) {
  TempTree tree;
  const auto dir = read_local_file(tree.str(), 1024);
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().kind, ErrorKind::bad_input);
  EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);
}

// redteam.md BUG-19: a FIFO without writer blocked open(2) forever. This returns at once.
TEST(ReadLocalFile, RefusesAFifoWithoutBlocking) {
  TempTree tree;
  const auto fifo = tree.root() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto text = read_local_file(fifo.string(), 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().kind, ErrorKind::bad_input);
  EXPECT_NE(text.error().message.find("is a FIFO"), std::string::npos);
}

// BUG-8: /proc/self/mem fails every read with EIO; that was swallowed into "empty".
TEST(ReadLocalFile, ReportsReadErrors) {
  const auto text = read_local_file("/proc/self/mem", 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().kind, ErrorKind::io_error);
}

TEST(ReadLocalFile, MissingFileIsNotFound) {
  TempTree tree;
  const auto text = read_local_file((tree.root() / "nothing").string(), 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().kind, ErrorKind::not_found);
  EXPECT_NE(text.error().message.find("nothing"), std::string::npos);
}

}  // namespace
}  // namespace ztp
