#include "host/file_source.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "testlib/temp_tree.h"

namespace ztp::host {
namespace {

using ztp::testing::TempTree;

RootFileSource open_root(const TempTree& tree) {
  auto files = RootFileSource::open(tree.str());
  EXPECT_TRUE(files.has_value());
  return std::move(*files);
}

TEST(RootFileSource, ReadsFilesRelativeToTheRoot) {
  TempTree tree;
  tree.write("sys/module/kvm_amd/parameters/sev", "Y\n");
  const auto files = open_root(tree);
  EXPECT_EQ(files.read("/sys/module/kvm_amd/parameters/sev").value(), "Y\n");
  EXPECT_EQ(files.read("sys/module/kvm_amd/parameters/sev").value(), "Y\n");
}

TEST(RootFileSource, MissingFileIsNotFound) {
  TempTree tree;
  const auto files = open_root(tree);
  const auto text = files.read("/sys/nothing");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().kind, ErrorKind::not_found);
  EXPECT_NE(text.error().message.find("/sys/nothing"), std::string::npos);
  EXPECT_EQ(files.exists("/sys/nothing").value(), false);
  EXPECT_EQ(files.exists("/sys/nothing/below/a/file").value(), false);
}

TEST(RootFileSource, ReadStopsAtMaxBytes) {
  TempTree tree;
  tree.write("proc/cpuinfo", std::string(10000, 'x'));
  const auto files = open_root(tree);
  EXPECT_EQ(files.read("/proc/cpuinfo", 100).value().size(), 100u);
  EXPECT_EQ(files.read("/proc/cpuinfo", 20000).value().size(), 10000u);
}

TEST(RootFileSource, ExistsSeesEmptyStandInDeviceNodesAndDirectories) {
  TempTree tree;
  tree.write("dev/sev-guest", "");
  tree.mkdir("sys/devices/platform/sev-guest");
  const auto files = open_root(tree);
  EXPECT_TRUE(files.exists("/dev/sev-guest").value());
  EXPECT_TRUE(files.exists("/sys/devices/platform/sev-guest").value());
  EXPECT_TRUE(files.exists("/").value());
}

TEST(RootFileSource, AbsoluteSymlinksResolveInsideTheRoot) {
  TempTree tree;
  tree.write("sys/devices/real/value", "inside\n");
  tree.symlink("/sys/devices/real", "sys/class/link");
  tree.symlink("../../../../etc", "sys/class/escape");  // climbs above the root
  const auto files = open_root(tree);
  EXPECT_EQ(files.read("/sys/class/link/value").value(), "inside\n");
  // ".." at the root stays at the root, so this resolves to <root>/etc, which is absent.
  EXPECT_FALSE(files.exists("/sys/class/escape/passwd").value());
}

TEST(RootFileSource, ListIsSortedAndSkipsGitPlaceholders) {
  TempTree tree;
  tree.write("sys/class/tpm/tpm1/dev", "");
  tree.write("sys/class/tpm/tpm0/dev", "");
  tree.write("sys/class/tpm/.gitkeep", "");
  tree.write("sys/class/tpmrm/.gitkeep", "");
  const auto files = open_root(tree);
  EXPECT_EQ(files.list("/sys/class/tpm").value(), (std::vector<std::string>{"tpm0", "tpm1"}));
  EXPECT_TRUE(files.list("/sys/class/tpmrm").value().empty());
  EXPECT_EQ(files.list("/sys/class/none").error().kind, ErrorKind::not_found);
}

TEST(RootFileSource, ReadAtReadsExactBytesOrFails) {
  TempTree tree;
  tree.write("dev/cpu/0/msr", "0123456789abcdef");
  tree.write("dev/sev-guest", "");  // a stand-in device node has no registers
  const auto files = open_root(tree);
  EXPECT_EQ(files.read_at("/dev/cpu/0/msr", 8, 8).value(), "89abcdef");
  EXPECT_FALSE(files.read_at("/dev/cpu/0/msr", 12, 8));
  EXPECT_FALSE(files.read_at("/dev/sev-guest", 0, 8));
}

// openat2 with RESOLVE_IN_ROOT answers EAGAIN when a rename anywhere on the system races
// with a ".." step of the lookup (openat2(2)); sysfs class links are all "../../devices/..",
// and a node renames files all the time (kubelet, the agents themselves). A read must not
// turn that into "unreadable", so the source retries: no read fails while renames run.
TEST(RootFileSource, ReadsThroughDotDotLinksWhileRenamesRace) {
  TempTree tree;
  tree.write("sys/devices/platform/MSFT0101:00/tpm/tpm0/tpm_version_major", "2\n");
  tree.symlink("../../devices/platform/MSFT0101:00/tpm/tpm0", "sys/class/tpm/tpm0");
  tree.write("churn/a", "x");
  const auto files = open_root(tree);
  // The renamer is another process, as on a node (a thread of this one races far less).
  const std::string a = tree.str() + "/churn/a";
  const std::string b = tree.str() + "/churn/b";
  const pid_t renamer = ::fork();
  ASSERT_GE(renamer, 0);
  if (renamer == 0) {
    for (;;) {
      ::rename(a.c_str(), b.c_str());
      ::rename(b.c_str(), a.c_str());
    }
  }
  int failures = 0;
  std::string first_error;
  for (int i = 0; i < 20000; ++i) {
    const auto text = files.read("/sys/class/tpm/tpm0/tpm_version_major");
    if (!text || *text != "2\n") {
      if (failures++ == 0) {
        first_error = text ? "read " + *text : text.error().message;
      }
    }
  }
  ::kill(renamer, SIGKILL);
  ::waitpid(renamer, nullptr, 0);
  EXPECT_EQ(failures, 0) << first_error;
}

// redteam.md BUG-6: a FIFO at <root>/dev/cpu/0/msr hung the probe forever in open(2).
// Host files are opened without blocking and must be regular files (or, for device
// registers, character devices): anything else is unreadable, at once.
TEST(RootFileSource, FifosSocketsAndDirectoriesAreUnreadableNotHangs) {
  TempTree tree;
  tree.mkdir("dev/cpu/0");
  tree.mkdir("sys/module/kvm_amd/parameters/sev");
  const auto msr = tree.root() / "dev/cpu/0/msr";
  ASSERT_EQ(::mkfifo(msr.c_str(), 0600), 0);
  const auto param = tree.root() / "sys/module/kvm_amd/parameters/sev_es";
  ASSERT_EQ(::mkfifo(param.c_str(), 0600), 0);
  const auto files = open_root(tree);

  const auto reg = files.read_at("/dev/cpu/0/msr", 0xc0010131, 8);
  ASSERT_FALSE(reg);
  EXPECT_EQ(reg.error().kind, ErrorKind::io_error);
  EXPECT_NE(reg.error().message.find("is a FIFO"), std::string::npos);

  const auto fifo = files.read("/sys/module/kvm_amd/parameters/sev_es");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("is a FIFO, not a regular file"), std::string::npos);

  const auto dir = files.read("/sys/module/kvm_amd/parameters/sev");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().kind, ErrorKind::io_error);
  EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);

  EXPECT_EQ(files.exists("/dev/cpu/0/msr").value(), true);  // existence is still existence
}

TEST(RootFileSource, ReadAtAcceptsACharacterDevice) {
  TempTree tree;
  tree.mkdir("dev");
  tree.symlink("/dev/zero", "dev/zero");  // resolves inside the root: absent
  const auto files = open_root(tree);
  EXPECT_FALSE(files.read_at("/dev/zero", 0, 8));
  // The real /dev/zero through a root of "/": a character device reads.
  const auto host = RootFileSource::open("/");
  ASSERT_TRUE(host);
  const auto zeros = host->read_at("/dev/zero", 0, 8);
  ASSERT_TRUE(zeros) << zeros.error().message;
  EXPECT_EQ(*zeros, std::string(8, '\0'));
}

TEST(RootFileSource, RejectsARootThatIsNotADirectory) {
  TempTree tree;
  tree.write("file", "x");
  EXPECT_EQ(RootFileSource::open(tree.str() + "/file").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(RootFileSource::open(tree.str() + "/absent").error().kind, ErrorKind::bad_input);
}

}  // namespace
}  // namespace ztp::host
