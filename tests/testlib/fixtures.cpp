#include "testlib/fixtures.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
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

std::vector<std::string> HostProfile::args() const {
  const auto o = options();
  std::vector<std::string> out{"--host-root", o.root};
  if (o.cpuid_file) {
    out.insert(out.end(), {"--cpuid-file", *o.cpuid_file});
  }
  if (o.msr_file) {
    out.insert(out.end(), {"--msr-file", *o.msr_file});
  }
  return out;
}

bool HostProfile::plants_identifiers() const {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "root")) {
    if (e.is_regular_file() && !e.is_symlink() &&
        read_file(e.path()).find(k_planted_marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string ProfileTestName::operator()(const ::testing::TestParamInfo<HostProfile>& info) const {
  std::string name = info.param.name;
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      c = '_';
    }
  }
  return name;
}

std::string evidence_text(const Findings& findings) {
  std::string text;
  for (const auto& e : findings.evidence) {
    text += "\n  " + e;
  }
  return text;
}

void expect_signals(const Findings& findings, const nlohmann::json& expected,
                    const std::string& evidence) {
  std::map<std::string, bool> signals;
  for (const auto& [name, value] : findings.signals) {
    signals[std::string(name)] = value;
  }
  const nlohmann::json expected_signals = expected.value("signals", nlohmann::json::object());
  for (const auto& [name, value] : expected_signals.items()) {
    ASSERT_TRUE(signals.count(name)) << "expected.json names an unknown signal " << name;
    EXPECT_EQ(signals[name], value.get<bool>()) << "signal " << name << evidence;
  }
  EXPECT_FALSE(findings.evidence.empty());
}

void expect_readme_with_sources(const HostProfile& profile) {
  const auto readme = read_file(profile.dir / "README.md");
  EXPECT_GT(readme.find('\n'), 20U) << "first line must say which machine is modelled";
  std::size_t bullets = 0;
  for (std::size_t pos = readme.find("\n- "); pos != std::string::npos;
       pos = readme.find("\n- ", pos + 1)) {
    ++bullets;
  }
  EXPECT_GE(bullets, 2U) << "README must list the public source of its facts";
}

CommandOutput run_command(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) {
    cmd += "'" + a + "' ";  // test paths and flags carry no single quotes
  }
  cmd += "2>&1";
  CommandOutput result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
    result.output.append(buf, n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
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
