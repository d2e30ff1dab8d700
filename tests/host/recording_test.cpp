// The recording decorators and the tree they produce (host/recording.h, capture_tree.h).
#include "host/recording.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "host/capture_tree.h"
#include "testlib/temp_tree.h"

namespace ztp::host {
namespace {

using ztp::testing::TempTree;

const TreeEntry* find(const std::vector<TreeEntry>& tree, const std::string& path) {
  const auto it =
      std::find_if(tree.begin(), tree.end(), [&](const TreeEntry& e) { return e.path == path; });
  return it == tree.end() ? nullptr : &*it;
}

struct Fixture {
  TempTree tree;
  RootFileSource files = RootFileSource::open(tree.str()).value();
  ReplayCpuid cpuid = ReplayCpuid::parse("").value();
  ReplayMsr msr = ReplayMsr::parse("0xc0010131 0xffffffffffffffff\n").value();
  HostView view() const { return HostView{files, cpuid, msr}; }
};

TEST(RootFileSource, ReadsLinksInsideTheRoot) {
  Fixture f;
  f.tree.mkdir("sys/devices/chip");
  f.tree.symlink("../devices/chip", "sys/class/chip");
  EXPECT_EQ(f.files.read_link("/sys/class/chip").value(), "../devices/chip");
  EXPECT_EQ(f.files.read_link("/sys/devices/chip").value(), std::nullopt);
  EXPECT_EQ(f.files.read_link("/sys/absent/x").value(), std::nullopt);
  EXPECT_EQ(f.files.read_link("/").value(), std::nullopt);
}

TEST(Recording, ResolvesLinksConfinedToTheRootAndKeepsThem) {
  Fixture f;
  f.tree.write("sys/devices/chip/version", "2\n");
  f.tree.symlink("../../devices/chip", "sys/class/tpm/tpm0");
  f.tree.symlink("/sys/devices/../../../sys/devices", "sys/abs");  // ".." stops at the root
  RecordingHost rec(f.view(), CaptureRules{});
  EXPECT_TRUE(rec.view().files.read("/sys/class/tpm/tpm0/version"));
  EXPECT_TRUE(rec.view().files.read("/sys/abs/chip/version"));
  const Recording& r = rec.recording();
  ASSERT_EQ(r.paths.size(), 2U);
  EXPECT_EQ(r.paths[0].resolved, "/sys/devices/chip/version");
  EXPECT_EQ(r.paths[1].resolved, "/sys/devices/chip/version");
  ASSERT_EQ(r.links.size(), 2U);
  EXPECT_EQ(r.links[0].path, "/sys/class/tpm/tpm0");
  EXPECT_EQ(r.links[1].path, "/sys/abs");

  const auto tree = root_tree(r, "root");
  const TreeEntry* link = find(tree, "root/sys/class/tpm/tpm0");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->kind, TreeEntry::Kind::symlink);
  EXPECT_EQ(link->data, "../../devices/chip");
  const TreeEntry* file = find(tree, "root/sys/devices/chip/version");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->kind, TreeEntry::Kind::file);
  EXPECT_EQ(file->data, "") << "no rule: contents withheld";
  EXPECT_EQ(find(tree, "root/sys/devices/chip")->kind, TreeEntry::Kind::directory);
}

TEST(Recording, StoresOnlyWhatTheRulesKeep) {
  Fixture f;
  f.tree.write("d/a", "SECRET\n");
  f.tree.write("d/b", "x");
  f.tree.write("d/c", "x");
  CaptureRules rules;
  rules.contents = [](std::string_view, std::string_view c) -> std::optional<KeptContents> {
    return KeptContents{std::string(c.substr(0, 1)), "first byte"};
  };
  rules.names = [](std::string_view, std::vector<std::string> names) {
    names.erase(names.begin());
    return names;
  };
  rules.msr_mask = [](std::uint32_t) -> std::uint64_t { return 0x7; };
  RecordingHost rec(f.view(), rules);
  EXPECT_EQ(rec.view().files.read("/d/a").value(), "SECRET\n") << "the probe sees everything";
  EXPECT_EQ(rec.view().files.list("/d").value().size(), 3U);
  EXPECT_FALSE(rec.view().files.exists("/d/zz").value());
  EXPECT_EQ(rec.view().msr.read(0xc0010131).value(), 0xffffffffffffffffULL);
  EXPECT_FALSE(rec.view().msr.read(0x10));

  const Recording& r = rec.recording();
  EXPECT_EQ(r.paths[0].kept->contents, "S");
  EXPECT_EQ(r.paths[0].bytes_seen, 7U);
  EXPECT_EQ(r.paths[1].names, (std::vector<std::string>{"b", "c"}));
  EXPECT_FALSE(r.paths[2].present);
  const auto tree = root_tree(r, "root");
  EXPECT_EQ(find(tree, "root/d/a")->data, "S");
  EXPECT_NE(find(tree, "root/d/b"), nullptr);
  EXPECT_EQ(find(tree, "root/d/zz"), nullptr) << "absent stays absent";
  EXPECT_EQ(msr_replay_text(r), "0xc0010131 0x0000000000000007\n");
  EXPECT_EQ(cpuid_replay_text(r), "") << "no CPUID on this host";
}

TEST(Recording, CpuidReplayTextParsesBackToTheSameAnswers) {
  const auto native = ReplayCpuid::parse(
                          "CPU:\n   0x00000000 0x00: eax=0x00000010 ebx=0x68747541 "
                          "ecx=0x444d4163 edx=0x69746e65\n   0x8000001f 0x00: eax=0x0000001a "
                          "ebx=0x00000073 ecx=0x00000000 edx=0x00000000\n")
                          .value();
  Recording r;
  RecordingCpuid cpuid(native, r);
  ASSERT_TRUE(cpuid.available());
  cpuid.query(0x8000001f);
  cpuid.query(0);
  cpuid.query(0);
  cpuid.query(0x21);  // not in the replay: zeros, recorded as such
  const auto back = ReplayCpuid::parse(cpuid_replay_text(r)).value();
  EXPECT_EQ(back.entries().size(), 3U);
  for (const std::uint32_t leaf : {0x0U, 0x8000001fU, 0x21U}) {
    EXPECT_EQ(back.query(leaf), native.query(leaf)) << leaf;
  }
}

TEST(Recording, ErrorsAreRecordedNotMaterialised) {
  Fixture f;
  f.tree.write("f", "x");
  RecordingHost rec(f.view(), CaptureRules{});
  EXPECT_FALSE(rec.view().files.list("/f"));  // ENOTDIR reads as absent
  EXPECT_FALSE(rec.view().files.read("/f/g"));
  const Recording& r = rec.recording();
  EXPECT_FALSE(r.paths[0].present);
  EXPECT_FALSE(r.paths[1].present);
  EXPECT_EQ(root_tree(r, "root").size(), 1U) << "only root/ itself";
}

}  // namespace
}  // namespace ztp::host
