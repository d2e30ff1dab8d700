// --capture (issue 12): every host profile, captured by both probes, holds no planted value
// and replays to the live result; the tar stream holds the same files; bad targets exit 2;
// and this machine itself captures and replays (so CI checks its own host).
#include "cli/capture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "probe_run.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ztp::testing::HostProfile;
using ztp::testing::read_file;

// A node name no capture may carry (the manifest and README must not name the host).
constexpr const char* k_node = "node-planted-7c1e";

// Every file (contents and name) and link (name and target) below dir, as "kind path: data".
std::map<std::string, std::string> tree_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (e.is_symlink()) {
      out["link " + rel] = fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      out["dir " + rel] = "";
    } else {
      out["file " + rel] = read_file(e.path());
    }
  }
  return out;
}

// The classification part of a document: what expected.json holds.
json classification(const json& doc) {
  json c = json::object();
  for (const auto& key :
       {"mode", "hostCapabilities", "family", "measuredBoot", "readiness", "signals"}) {
    if (doc.contains(key)) {
      c[key] = doc[key];
    }
  }
  return c;
}

std::vector<std::string> replay_args(const fs::path& dir, bool reads_cpu) {
  std::vector<std::string> args{"--host-root", (dir / "root").string(), "--node", k_node};
  if (reads_cpu) {
    args.insert(args.end(), {"--cpuid-file", (dir / "cpuid.txt").string()});
  }
  if (fs::exists(dir / "msr.txt")) {
    args.insert(args.end(), {"--msr-file", (dir / "msr.txt").string()});
  }
  return args;
}

void expect_masked_msrs(const fs::path& dir) {
  if (!fs::exists(dir / "msr.txt")) {
    return;
  }
  std::istringstream lines(read_file(dir / "msr.txt"));
  std::string reg;
  std::string value;
  while (lines >> reg >> value) {
    EXPECT_EQ(std::stoull(value, nullptr, 16) & ~0x7ULL, 0U) << reg << " " << value;
  }
}

class CaptureProfile : public ::testing::TestWithParam<HostProfile> {};

TEST_P(CaptureProfile, HoldsNoPlantedValueAndReplaysAsLive) {
  const HostProfile& profile = GetParam();
  for (const ProbeSpec& spec : {cc_probe(), tpm_probe()}) {
    SCOPED_TRACE(spec.name);
    ztp::testing::TempTree tmp;
    const fs::path dir = tmp.root() / "capture";
    auto args = spec.reads_cpu ? profile.args()
                               : std::vector<std::string>{"--host-root", profile.options().root};
    args.insert(args.end(), {"--node", k_node});
    const auto plain = testing::run_captured(spec, args);
    args.insert(args.end(), {"--capture", dir.string()});
    const auto live = testing::run_captured(spec, args);
    ASSERT_EQ(live.code, 0) << live.err;
    EXPECT_EQ(live.out, plain.out) << "--capture changed the normal output";
    EXPECT_TRUE(live.err.empty()) << live.err;

    for (const auto& [what, data] : tree_of(dir)) {
      EXPECT_EQ((what + data).find(ztp::testing::k_planted_marker), std::string::npos)
          << what << " carries a planted value";
      EXPECT_EQ((what + data).find(k_node), std::string::npos) << what << " names the node";
    }
    expect_masked_msrs(dir);
    const json manifest = json::parse(read_file(dir / "capture.json"));
    for (const auto& p : manifest["paths"]) {
      EXPECT_NE(p["why"], "(no purpose declared)") << p.dump();
    }

    const json expected = json::parse(read_file(dir / "expected.json"));
    EXPECT_EQ(expected, classification(json::parse(live.out)));
    const auto replay = testing::run_captured(spec, replay_args(dir, spec.reads_cpu));
    ASSERT_EQ(replay.code, 0) << replay.err;
    EXPECT_EQ(classification(json::parse(replay.out)), expected) << replay.out;
    // Even the evidence lines agree: the capture answers every lookup as the profile did.
    EXPECT_EQ(json::parse(replay.out)["evidence"], json::parse(live.out)["evidence"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Hosts, CaptureProfile,
                         ::testing::ValuesIn(ztp::testing::host_profiles("")),
                         ztp::testing::ProfileTestName());

TEST(Capture, PlantedProfilesExercised) {
  // The sweep above proves little unless profiles plant values inside files the probes read.
  int read_and_planted = 0;
  for (const auto& name : {"cc-s390-se-guest", "tpm-garbage-version"}) {
    read_and_planted += fs::exists(ztp::testing::hosts_dir() / name) ? 1 : 0;
  }
  EXPECT_EQ(read_and_planted, 2);
}

HostProfile profile(const std::string& name) {
  return HostProfile{name, ztp::testing::hosts_dir() / name};
}

TEST(Capture, KeepsTheLinksThePathsWentThrough) {
  ztp::testing::TempTree tmp;
  auto args = profile("tpm-hw-plus-vtpm").args();
  args.insert(args.end(), {"--capture", tmp.str() + "/c"});
  ASSERT_EQ(testing::run_captured(tpm_probe(), args).code, 0);
  const fs::path link = tmp.root() / "c/root/sys/class/tpm/tpm0";
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link),
            fs::read_symlink(profile("tpm-hw-plus-vtpm").dir / "root/sys/class/tpm/tpm0"));
  // Only what the probe read: the PCR values, DMI ids and machine id are not there at all.
  EXPECT_FALSE(fs::exists(tmp.root() / "c/root/etc/machine-id"));
  EXPECT_FALSE(fs::exists(tmp.root() / "c/root/sys/class/dmi"));
  const auto manifest = json::parse(read_file(tmp.root() / "c/capture.json"));
  EXPECT_EQ(manifest["probe"]["name"], "ztp-prem-tpm");
  EXPECT_FALSE(manifest["kernel"]["release"].get<std::string>().empty());
  EXPECT_FALSE(manifest["paths"].empty());
  for (const auto& p : manifest["paths"]) {
    EXPECT_FALSE(p["why"].get<std::string>().empty()) << p.dump();
    EXPECT_FALSE(p["kept"].get<std::string>().empty()) << p.dump();
  }
}

TEST(Capture, KeepsOnlyWhatTheParsersUse) {
  ztp::testing::TempTree host;
  host.write("proc/cpuinfo",
             "vendor_id\t: IBM/S390\nprocessor 0: identification = SERIAL-123456\n");
  host.write("sys/firmware/uv/prot_virt_guest", "1\n");
  host.write("sys/firmware/uv/prot_virt_host", "SERIAL-123456\n");
  host.write("cpuid.txt", "");
  ztp::testing::TempTree tmp;
  const auto r =
      testing::run_captured(cc_probe(), {"--host-root", host.str(), "--cpuid-file",
                                         host.str() + "/cpuid.txt", "--capture", tmp.str() + "/c"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(tmp.root() / "c/root/proc/cpuinfo"), "vendor_id\t: IBM/S390\n");
  EXPECT_EQ(read_file(tmp.root() / "c/root/sys/firmware/uv/prot_virt_guest"), "1\n");
  EXPECT_EQ(read_file(tmp.root() / "c/root/sys/firmware/uv/prot_virt_host"), "?\n");
  EXPECT_EQ(read_file(tmp.root() / "c/cpuid.txt"), "");
}

TEST(Capture, MasksMsrValuesToTheBitsTheRulesUse) {
  const HostProfile snp = profile("cc-qemu-snp-guest-6.8");
  ztp::testing::TempTree tmp;
  tmp.write("msr.txt", "0xc0010131 0xdeadbeef00000007\n");
  const std::vector<std::string> args{
      "--host-root", snp.options().root,     "--cpuid-file", *snp.options().cpuid_file,
      "--msr-file",  tmp.str() + "/msr.txt", "--capture",    tmp.str() + "/c"};
  const auto r = testing::run_captured(cc_probe(), args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(tmp.root() / "c/msr.txt"), "0xc0010131 0x0000000000000007\n");
}

void expect_tar_equals_dir(const HostProfile& p);

TEST(Capture, TarStreamHoldsTheSameFilesAndTheDocumentGoesToStderr) {
  // Links and long sysfs paths; junk names ("pcr-SHA 256!") and bytes.
  for (const char* name : {"tpm-hw-plus-vtpm", "tpm-garbage-version"}) {
    SCOPED_TRACE(name);
    expect_tar_equals_dir(profile(name));
  }
}

void expect_tar_equals_dir(const HostProfile& p) {
  ztp::testing::TempTree tmp;
  auto args = p.args();
  args.insert(args.end(), {"--node", k_node});
  const auto plain = testing::run_captured(tpm_probe(), args);
  auto dir_args = args;
  dir_args.insert(dir_args.end(), {"--capture", tmp.str() + "/dir"});
  ASSERT_EQ(testing::run_captured(tpm_probe(), dir_args).code, 0);

  args.insert(args.end(), {"--capture", "-"});
  const auto tar = testing::run_captured(tpm_probe(), args);
  ASSERT_EQ(tar.code, 0) << tar.err;
  EXPECT_EQ(tar.err, plain.out);
  EXPECT_EQ(testing::run_captured(tpm_probe(), args).out, tar.out) << "not reproducible";
  { std::ofstream(tmp.root() / "c.tar", std::ios::binary) << tar.out; }
  fs::create_directory(tmp.root() / "x");
  // GNU tar, an independent reader, unpacks it.
  const auto untar =
      ztp::testing::run_command({"tar", "-x", "-f", tmp.str() + "/c.tar", "-C", tmp.str() + "/x"});
  ASSERT_EQ(untar.exit_code, 0) << untar.output;
  EXPECT_EQ(tree_of(tmp.root() / "x"), tree_of(tmp.root() / "dir"));
}

TEST(Capture, BadTargetsExitTwoAndStillPrintTheDocument) {
  const HostProfile p = profile("cc-aws-m6a-snp");
  ztp::testing::TempTree tmp;
  tmp.write("full/something", "x");
  tmp.write("a-file", "x");
  const auto plain = testing::run_captured(cc_probe(), p.args());
  for (const auto& target : {tmp.str() + "/full", tmp.str() + "/a-file",
                             tmp.str() + "/a-file/below", std::string("/proc/ztp-prem-capture")}) {
    auto args = p.args();
    args.insert(args.end(), {"--capture", target});
    const auto r = testing::run_captured(cc_probe(), args);
    EXPECT_EQ(r.code, k_exit_usage) << target;
    EXPECT_EQ(r.out, plain.out) << target;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(read_file(tmp.root() / "full/something"), "x");
  auto args = p.args();
  args.insert(args.end(), {"--capture", tmp.str() + "/new", "--watch"});
  EXPECT_EQ(testing::run_captured(cc_probe(), args).code, k_exit_usage);
  EXPECT_FALSE(fs::exists(tmp.root() / "new"));
}

// This machine, through the real binaries: whatever host CI runs on is captured and must
// replay to the same result.
TEST(CaptureThisMachine, ReplaysAsLive) {
  for (const auto& [probe, reads_cpu] :
       {std::pair{"ztp-prem-detect", true}, std::pair{"ztp-prem-tpm", false}}) {
    SCOPED_TRACE(probe);
    ztp::testing::TempTree tmp;
    const fs::path dir = tmp.root() / "c";
    const std::string bin = (ztp::testing::bin_dir() / probe).string();
    const auto live = ztp::testing::run_command({bin, "--node", k_node, "--capture", dir.string()});
    ASSERT_EQ(live.exit_code, 0) << live.output;
    const json expected = json::parse(read_file(dir / "expected.json"));
    EXPECT_EQ(classification(json::parse(live.output)), expected);
    for (const auto& [what, data] : tree_of(dir)) {
      EXPECT_EQ((what + data).find(k_node), std::string::npos) << what;
    }
    auto argv = replay_args(dir, reads_cpu);
    argv.insert(argv.begin(), bin);
    const auto replay = ztp::testing::run_command(argv);
    ASSERT_EQ(replay.exit_code, 0) << replay.output;
    EXPECT_EQ(classification(json::parse(replay.output)), expected) << replay.output;
  }
}

}  // namespace
}  // namespace ztp::cli
