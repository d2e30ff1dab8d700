#include "host/host_view.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "testlib/temp_tree.h"

namespace ztp::host {
namespace {

using ztp::testing::TempTree;

TEST(Host, BuildsReplaySourcesFromFiles) {
  TempTree tree;
  tree.write("root/sys/x", "1\n");
  tree.write("cpuid.txt", "CPU:\n   0x00000000 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n");
  tree.write("msr.txt", "0xc0010131 0x3\n");
  auto host =
      Host::open({tree.str() + "/root", tree.str() + "/cpuid.txt", tree.str() + "/msr.txt"});
  ASSERT_TRUE(host) << host.error().message;
  const HostView view = host->view();
  EXPECT_EQ(view.files.read("/sys/x").value(), "1\n");
  EXPECT_EQ(view.cpuid.query(0).ebx, 2u);
  EXPECT_EQ(view.msr.read(0xc0010131).value(), 3u);
}

TEST(Host, DefaultsToTheInstructionAndTheDevice) {
  TempTree tree;
  auto host = Host::open({tree.str(), std::nullopt, std::nullopt});
  ASSERT_TRUE(host);
#if defined(__x86_64__)
  EXPECT_TRUE(host->view().cpuid.available());
#endif
  EXPECT_FALSE(host->view().msr.read(0xc0010131));  // no dev/cpu/0/msr under this root
}

TEST(Host, MalformedReplayIsBadInputNamingFileAndLine) {
  TempTree tree;
  tree.write("cpuid.txt", "CPU:\nnot a leaf\n");
  auto host = Host::open({tree.str(), tree.str() + "/cpuid.txt", std::nullopt});
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().kind, ErrorKind::bad_input);
  EXPECT_NE(host.error().message.find("cpuid.txt"), std::string::npos);
  EXPECT_NE(host.error().message.find("line 2"), std::string::npos);
}

TEST(Host, MissingReplayFileOrRootIsBadInput) {
  TempTree tree;
  EXPECT_EQ(Host::open({tree.str(), tree.str() + "/absent.txt", std::nullopt}).error().kind,
            ErrorKind::bad_input);
  EXPECT_EQ(Host::open({tree.str(), std::nullopt, tree.str() + "/absent.txt"}).error().kind,
            ErrorKind::bad_input);
  EXPECT_EQ(Host::open({tree.str() + "/nope", std::nullopt, std::nullopt}).error().kind,
            ErrorKind::bad_input);
}

// redteam.md BUG-8 / BUG-19: a replay path that is a directory or a FIFO was read as an
// empty replay ("no CPUID", exit 0), or blocked in open(2) forever.
TEST(Host, ReplayThatIsNotARegularFileIsBadInput) {
  TempTree tree;
  tree.mkdir("replays");
  const std::string fifo = tree.str() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& path : {tree.str() + "/replays", fifo}) {
    const auto cpuid = Host::open({tree.str(), path, std::nullopt});
    ASSERT_FALSE(cpuid) << path;
    EXPECT_EQ(cpuid.error().kind, ErrorKind::bad_input);
    EXPECT_NE(cpuid.error().message.find("not a regular file"), std::string::npos);
    const auto msr = Host::open({tree.str(), std::nullopt, path});
    ASSERT_FALSE(msr) << path;
    EXPECT_EQ(msr.error().kind, ErrorKind::bad_input);
  }
}

// BUG-18: the bad line is shown, but never raw terminal control bytes.
TEST(Host, MalformedReplayLineIsShownEscaped) {
  TempTree tree;
  tree.write("cpuid.txt", "0x00000000 0x00: eax=0x1\x1b]0;pwned\x07\n");
  tree.write("msr.txt", "0xc0010131 \x1b[2J\n");
  const auto cpuid = Host::open({tree.str(), tree.str() + "/cpuid.txt", std::nullopt});
  ASSERT_FALSE(cpuid);
  EXPECT_EQ(cpuid.error().message.find('\x1b'), std::string::npos);
  EXPECT_NE(cpuid.error().message.find("\\x1b]0;pwned\\x07"), std::string::npos);
  const auto msr = Host::open({tree.str(), std::nullopt, tree.str() + "/msr.txt"});
  ASSERT_FALSE(msr);
  EXPECT_EQ(msr.error().message.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace ztp::host
