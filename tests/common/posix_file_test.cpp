#include "common/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

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

TEST(ReadLocalFile, ErrorsCarryTheErrno) {
  TempTree tree;
  const auto text = read_local_file(tree.root() / "nothing", 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().sys_errno, ENOENT);
  EXPECT_NE(text.error().message.find("(ENOENT)"), std::string::npos) << text.error().message;
}

TEST(OpenRegular, RefusesASymlinkOnlyWhenAskedTo) {
  TempTree tree;
  tree.write("key", "k");
  std::filesystem::create_symlink(tree.root() / "key", tree.root() / "link");
  EXPECT_TRUE(open_regular(tree.root() / "link", O_RDONLY));
  const auto refused = open_regular(tree.root() / "link", O_RDONLY, {.follow_symlinks = false});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::bad_input);
  EXPECT_NE(refused.error().message.find("is a symbolic link: refused"), std::string::npos);
}

TEST(OpenRegular, RefusesCharacterDevicesUnlessAllowed) {
  const auto refused = open_regular("/dev/null", O_RDONLY);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("is a character device"), std::string::npos);
  EXPECT_TRUE(open_regular("/dev/null", O_RDONLY, {.allow_char_device = true}));
}

TEST(ReadAll, MoreThanTheCapIsAnError) {
  TempTree tree;
  tree.write("f", std::string(70000, 'x'));
  auto fd = open_regular(tree.root() / "f", O_RDONLY);
  ASSERT_TRUE(fd);
  EXPECT_EQ(read_all(fd->get(), tree.root() / "f", 70000)->size(), 70000u);
  const auto big = read_all(fd->get(), tree.root() / "f", 69999);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::bad_input);
}

TEST(WriteFileAtomic, ReplacesWithTheGivenModeAndLeavesNoTempFile) {
  TempTree tree;
  ASSERT_TRUE(write_file_atomic(tree.root(), "state.json", "one", 0600));
  ASSERT_TRUE(write_file_atomic(tree.root(), "state.json", "two", 0600));
  struct stat st {};
  ASSERT_EQ(::stat((tree.root() / "state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tree.root())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
  EXPECT_EQ(read_local_file(tree.root() / "state.json", 16).value(), "two");
}

// Every step of an atomic write reports its failure with the errno (never a silent success
// after the rename), and a failed write leaves no temporary file behind.
TEST(WriteFileAtomic, FailuresAreReportedWithTheErrno) {
  TempTree tree;
  const auto missing = write_file_atomic(tree.root() / "absent", "state.json", "x", 0600);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  tree.write("state.json/occupied", "x");  // a non-empty directory under the name
  const auto taken = write_file_atomic(tree.root(), "state.json", "x", 0600);
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message.find("rename"), std::string::npos) << taken.error().message;
  EXPECT_NE(taken.error().sys_errno, 0);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tree.root())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u) << "the temporary file was left behind";
  // The directory sync that makes the rename durable reports its failure too.
  tree.write("plain", "x");
  const auto synced = sync_dir(tree.root() / "plain");
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().sys_errno, ENOTDIR);
  EXPECT_TRUE(sync_dir(tree.root()));
}

TEST(CheckNotSharedWritable, NamesTheMode) {
  TempTree tree;
  std::filesystem::permissions(tree.root(), std::filesystem::perms::owner_all);
  EXPECT_TRUE(check_not_shared_writable(tree.root()));
  std::filesystem::permissions(
      tree.root(), std::filesystem::perms::owner_all | std::filesystem::perms::others_all);
  const auto refused = check_not_shared_writable(tree.root());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::permission_denied);
  EXPECT_NE(refused.error().message.find("mode 0707"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace ztp
