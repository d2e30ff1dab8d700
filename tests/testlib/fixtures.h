#pragma once
// Access to the host profiles under testdata/hosts/<profile>/.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
};

// gtest prints parameters with this instead of dumping their bytes.
inline void PrintTo(const HostProfile& profile, std::ostream* os) { *os << profile.name; }

// Profiles whose folder name starts with prefix ("cc-", "tpm-"), sorted by name.
std::vector<HostProfile> host_profiles(const std::string& prefix);

std::string read_file(const std::filesystem::path& path);

// Every value a fixture planted to prove it never leaks: lines containing "PLANTED"
// anywhere below the profile's root/ (the marker itself is enough to search for).
inline constexpr const char* k_planted_marker = "PLANTED";

}  // namespace ztp::testing
