// Privacy: the probe reads the contents of no PCR file, pubek, pcrs, caps, null_name,
// event log, IMA list, ACPI table or identity file, and never touches /dev/tpm*.
#include <gtest/gtest.h>

#include <filesystem>

#include "host/cpuid_source.h"
#include "host/msr_source.h"
#include "report/tpm_status.h"
#include "testlib/file_source_wrappers.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"
#include "tpm/tpm_detector.h"

namespace ztp::tpm {
namespace {

namespace fs = std::filesystem;
using ztp::testing::HostProfile;
using ztp::testing::RecordingFileSource;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The only files whose contents the probe may read (docs/tpm.md "Privacy").
bool content_read_allowed(std::string_view path) {
  return ends_with(path, "/tpm_version_major") || ends_with(path, "/device/uevent");
}

// Names the probe must not even look up one by one (listing their directory is fine).
bool forbidden_lookup(std::string_view path) {
  for (const std::string_view bad :
       {"/pcr-", "/pubek", "/pcrs", "/null_name", "_bios_measurements", "_runtime_measurements",
        "/sys/firmware/acpi/tables/", "/sys/class/dmi", "boot_id", "machine-id"}) {
    if (path.find(bad) != std::string_view::npos) {
      return true;
    }
  }
  return path.rfind("/dev/tpm", 0) == 0;
}

std::string render(const host::FileSource& files) {
  const auto cpuid = host::ReplayCpuid::parse("");
  const auto msr = host::ReplayMsr::parse("");
  const TpmDetection d = detect(host::HostView{files, *cpuid, *msr});
  report::Envelope envelope;
  envelope.node = "n1";
  envelope.wave = "w";
  envelope.probe = {"ztp-prem-tpm", "test"};
  envelope.generated_at = ztp::testing::FixedClock().wall_now();
  const auto doc = report::make_tpm_status(envelope, d);
  return report::render_json(doc) + report::render_text(doc);
}

class TpmPrivacy : public ::testing::TestWithParam<HostProfile> {};

TEST_P(TpmPrivacy, ReadsOnlyVersionAndUeventAndNeverTouchesTpmNodes) {
  auto root = host::RootFileSource::open(GetParam().options().root);
  ASSERT_TRUE(root) << root.error().message;
  RecordingFileSource files(*root);
  const std::string out = render(files);
  for (const auto& [path, count] : files.contents_read()) {
    EXPECT_TRUE(content_read_allowed(path)) << "content read of " << path;
  }
  for (const auto& path : files.touched()) {
    EXPECT_FALSE(forbidden_lookup(path)) << "looked up " << path;
  }
  EXPECT_EQ(out.find(ztp::testing::k_planted_marker), std::string::npos);
}

// Changing every planted file the probe must not read changes nothing in its output.
TEST_P(TpmPrivacy, OutputDoesNotDependOnForbiddenContents) {
  const fs::path source = GetParam().options().root;
  auto original = host::RootFileSource::open(source.string());
  ASSERT_TRUE(original);
  const std::string before = render(*original);

  ztp::testing::TempTree copy;
  fs::copy(source, copy.root(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  int changed = 0;
  for (const auto& e : fs::recursive_directory_iterator(copy.root())) {
    if (!e.is_regular_file() || e.is_symlink() || content_read_allowed(e.path().string())) {
      continue;
    }
    if (ztp::testing::read_file(e.path()).find(ztp::testing::k_planted_marker) !=
        std::string::npos) {
      copy.write(fs::relative(e.path(), copy.root()).string(), "\x01\x02 changed\n");
      ++changed;
    }
  }
  EXPECT_GT(changed, 0) << "profile plants nothing";
  auto mutated = host::RootFileSource::open(copy.str());
  ASSERT_TRUE(mutated);
  EXPECT_EQ(render(*mutated), before);
}

INSTANTIATE_TEST_SUITE_P(Hosts, TpmPrivacy,
                         ::testing::ValuesIn(ztp::testing::host_profiles("tpm-")),
                         ztp::testing::ProfileTestName());

}  // namespace
}  // namespace ztp::tpm
