#pragma once
// Access to the host profiles under testdata/hosts/<profile>/.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/findings.h"
#include "host/host_view.h"

namespace ztp::testing {

std::filesystem::path source_dir();
std::filesystem::path hosts_dir();
std::filesystem::path bin_dir();

struct HostProfile {
  std::string name;
  std::filesystem::path dir;
  host::HostOptions options() const;  // root/, cpuid.txt and msr.txt when present
  nlohmann::json expected() const;    // expected.json
  // The probe flags that point a probe at this profile: --host-root, and --cpuid-file /
  // --msr-file when the profile has them.
  std::vector<std::string> args() const;
  // Whether any file under root/ carries the planted marker (see k_planted_marker).
  bool plants_identifiers() const;
};

// gtest prints parameters with this instead of dumping their bytes.
inline void PrintTo(const HostProfile& profile, std::ostream* os) { *os << profile.name; }

// Profiles whose folder name starts with prefix ("cc-", "tpm-"), sorted by name.
std::vector<HostProfile> host_profiles(const std::string& prefix);

// Test names for INSTANTIATE_TEST_SUITE_P over host_profiles(): the folder name, with
// every character gtest does not allow turned into '_'.
struct ProfileTestName {
  std::string operator()(const ::testing::TestParamInfo<HostProfile>& info) const;
};

// Golden checks shared by the CC and TPM profile tests. `evidence` goes into failure
// messages, so a wrong signal shows what the detector saw.
std::string evidence_text(const Findings& findings);
void expect_signals(const Findings& findings, const nlohmann::json& expected,
                    const std::string& evidence);
// A profile README: its first line names the machine modelled, then at least two
// "- fact: source" bullets.
void expect_readme_with_sources(const HostProfile& profile);

std::string read_file(const std::filesystem::path& path);

// Runs a command line through the shell with stderr joined to stdout.
struct CommandOutput {
  int exit_code = -1;
  std::string output;
};
CommandOutput run_command(const std::vector<std::string>& argv);

// Every value a fixture planted to prove it never leaks: lines containing "PLANTED"
// anywhere below the profile's root/ (the marker itself is enough to search for).
inline constexpr const char* k_planted_marker = "PLANTED";

}  // namespace ztp::testing
