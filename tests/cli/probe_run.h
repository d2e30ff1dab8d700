#pragma once
// Both probes' CLI tests: one run through the shared CLI plumbing with a fixed clock and
// captured streams, and the privacy sweep over a family of host profiles.

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/probe_cli.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"

namespace ztp::cli::testing {

struct ProbeRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Agent-mode tests pass their runtime (stop signal, transports) and, for real waits, a clock;
// everyone else gets the fixed clock and no agent context.
inline ProbeRun run_captured(const ProbeSpec& spec, const std::vector<std::string>& args,
                             const Environment& env = {std::nullopt, std::nullopt, "host-a"},
                             const AgentRuntime& runtime = {}, const Clock* clock = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  const ztp::testing::FixedClock fixed;
  const int code = run_probe(args, spec, env, clock != nullptr ? *clock : fixed, out, err, runtime);
  return {code, out.str(), err.str()};
}

// Runs the probe on every profile named prefix* in every output format and expects no
// planted value on stdout or stderr, nor a raw MSR value from a profile's msr.txt.
// Returns how many profiles plant something: the sweep proves little if none do.
inline int expect_no_planted_output(const ProbeSpec& spec, const std::string& prefix) {
  int planted_profiles = 0;
  for (const auto& p : ztp::testing::host_profiles(prefix)) {
    planted_profiles += p.plants_identifiers() ? 1 : 0;
    for (const char* format : {"json", "text"}) {
      auto args = p.args();
      args.insert(args.end(), {"--format", format, "--node", "n1"});
      const auto r = run_captured(spec, args);
      EXPECT_EQ(r.code, k_exit_ok) << p.name << ": " << r.err;
      EXPECT_EQ(r.out.find(ztp::testing::k_planted_marker), std::string::npos)
          << p.name << " leaks a planted value in " << format;
      EXPECT_EQ(r.err.find(ztp::testing::k_planted_marker), std::string::npos) << p.name;
      if (std::filesystem::exists(p.dir / "msr.txt")) {
        const auto msr = ztp::testing::read_file(p.dir / "msr.txt");
        const auto value = msr.substr(msr.find(' ') + 1, 18);  // "0x000000000000000N"
        EXPECT_EQ(r.out.find(value), std::string::npos) << p.name << " leaks a raw MSR value";
      }
    }
  }
  return planted_profiles;
}

}  // namespace ztp::cli::testing
