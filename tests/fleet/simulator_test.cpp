#include "fleet/simulator.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "fleet/dir_source.h"
#include "fleet/fleet_state.h"
#include "testlib/fixed_clock.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::fleet {
namespace {

using namespace std::chrono_literals;

TEST(Simulator, WritesAValidatedMixOfEverything) {
  testing::TempTree dir;
  testing::FixedClock clock;
  const auto summary = simulate_fleet({1000, dir.root(), 7, clock.wall_now()});
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->nodes, 1000U);
  EXPECT_GT(summary->stale_nodes, 0U);
  EXPECT_GT(summary->invalid_documents, 0U);
  EXPECT_GT(summary->missing_documents, 0U);
  EXPECT_EQ(summary->documents + summary->missing_documents, 2000U);

  FleetState state(clock, 30min);
  std::ostringstream log_text;
  log::Logger logger(log_text, clock);
  DirSource source(dir.root(), state, logger);
  ASSERT_TRUE(source.start());
  while (!state.ready()) {
    state.wait_for_revision(state.snapshot()->revision, 100ms);
  }
  source.stop();
  const auto snap = state.snapshot();
  const FleetCounts& c = snap->counts;
  EXPECT_EQ(c.nodes, 1000U);
  EXPECT_EQ(c.invalid_documents, summary->invalid_documents);  // exactly the planted defects
  EXPECT_GT(c.stale, 0U);
  for (std::size_t i = 0; i < k_modes.size(); ++i) {
    EXPECT_GT(c.modes[i], 0U) << k_modes[i];
  }
  for (std::size_t i = 0; i < k_families.size(); ++i) {
    EXPECT_GT(c.families[i], 0U) << k_families[i];
  }
  for (std::size_t i = 0; i < k_readiness.size(); ++i) {
    EXPECT_GT(c.readiness[i], 0U) << k_readiness[i];
  }
  EXPECT_EQ(c.waves.size(), 4U);
  EXPECT_GT(c.cc_missing, 0U);
  EXPECT_GT(c.tpm_missing, 0U);

  // The missing-part counts are the readiness.missing lists of the valid TPM documents
  // written, read back here from the files themselves.
  std::array<std::size_t, k_missing_parts.size()> written{};
  for (const auto& entry : std::filesystem::directory_iterator(dir.root())) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(".tpm.json")) {
      continue;
    }
    const std::string bytes = testing::read_file(entry.path());
    const std::string node = file.substr(0, file.size() - std::string_view(".tpm.json").size());
    if (!parse_status_document(bytes, Probe::tpm, node)) {
      continue;  // a planted defect: kept out of every count
    }
    const auto doc = nlohmann::json::parse(bytes);
    for (const auto& part : doc.at("readiness").at("missing")) {
      const auto index = index_of(k_missing_parts, part.get<std::string>());
      ASSERT_TRUE(index) << file << ": " << part;
      ++written[static_cast<std::size_t>(*index)];
    }
  }
  EXPECT_EQ(c.missing_parts, written);
  for (std::size_t i = 0; i < k_missing_parts.size(); ++i) {
    EXPECT_GT(c.missing_parts[i], 0U) << k_missing_parts[i];
  }
}

TEST(Simulator, SameSeedSameFleet) {
  testing::FixedClock clock;
  EXPECT_EQ(simulated_document(Probe::cc, 5, 1, clock.wall_now()),
            simulated_document(Probe::cc, 5, 1, clock.wall_now()));
  testing::TempTree a;
  testing::TempTree b;
  ASSERT_TRUE(simulate_fleet({50, a.root(), 3, clock.wall_now()}));
  ASSERT_TRUE(simulate_fleet({50, b.root(), 3, clock.wall_now()}));
  for (const auto& entry : std::filesystem::directory_iterator(a.root())) {
    EXPECT_EQ(testing::read_file(entry.path()),
              testing::read_file(b.root() / entry.path().filename()));
  }
}

TEST(Simulator, SimulatedDocumentsPassTheValidator) {
  testing::FixedClock clock;
  for (std::size_t i = 0; i < 100; ++i) {
    const std::string node = simulated_node_name(i);
    for (const Probe probe : {Probe::cc, Probe::tpm}) {
      const auto doc =
          parse_status_document(simulated_document(probe, i, 1, clock.wall_now()), probe, node);
      EXPECT_TRUE(doc) << node << ": " << doc.error().message;
    }
  }
}

}  // namespace
}  // namespace ztp::fleet
