#include "testlib/fixtures.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ztp::testing {

std::filesystem::path source_dir() { return ZTP_SOURCE_DIR; }
std::filesystem::path hosts_dir() { return source_dir() / "testdata" / "hosts"; }
std::filesystem::path bin_dir() { return ZTP_BIN_DIR; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

host::HostOptions HostProfile::options() const {
  host::HostOptions o;
  o.root = (dir / "root").string();
  if (std::filesystem::exists(dir / "cpuid.txt")) {
    o.cpuid_file = (dir / "cpuid.txt").string();
  }
  if (std::filesystem::exists(dir / "msr.txt")) {
    o.msr_file = (dir / "msr.txt").string();
  }
  return o;
}

nlohmann::json HostProfile::expected() const {
  return nlohmann::json::parse(read_file(dir / "expected.json"));
}

std::vector<HostProfile> host_profiles(const std::string& prefix) {
  std::vector<HostProfile> out;
  if (!std::filesystem::exists(hosts_dir())) {
    return out;
  }
  for (const auto& entry : std::filesystem::directory_iterator(hosts_dir())) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind(prefix, 0) == 0) {
      out.push_back(HostProfile{name, entry.path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const HostProfile& a, const HostProfile& b) { return a.name < b.name; });
  return out;
}

}  // namespace ztp::testing
