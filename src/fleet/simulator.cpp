#include "fleet/simulator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "vocabulary/vocabulary.gen.h"

namespace ztp::fleet {

namespace {

using nlohmann::ordered_json;

// The probes' heartbeat (10 min) and the service's default --stale-after (30 min).
constexpr auto k_heartbeat = std::chrono::minutes(10);
constexpr auto k_stale_after = std::chrono::minutes(30);
constexpr const char* k_version = ZTP_VERSION;

// Weighted choice: weights are per mille and sum to 1000.
template <std::size_t N>
std::size_t pick(std::mt19937_64& rng, const std::array<unsigned, N>& per_mille) {
  std::uniform_int_distribution<unsigned> d(0, 999);
  unsigned roll = d(rng);
  for (std::size_t i = 0; i < N; ++i) {
    if (roll < per_mille[i]) {
      return i;
    }
    roll -= per_mille[i];
  }
  return N - 1;
}

using vocab::CcMode;
using vocab::HostCapability;
using vocab::TpmFamily;
using vocab::TpmFirmwareTable;
using vocab::TpmMissingPart;
using vocab::TpmReadiness;

// What one simulated node is: chosen once per node so its two documents agree.
struct Traits {
  std::string wave;
  CcMode mode = CcMode::none;
  std::vector<HostCapability> capabilities;
  TpmFamily family = TpmFamily::absent;
  TpmReadiness verdict = TpmReadiness::none;
  std::vector<TpmMissingPart> missing;
  bool event_log = false;
  bool stale = false;
  bool no_cc = false;
  bool no_tpm = false;
  int invalid = 0;  // 0 = valid; otherwise which defect (see write_invalid)
  Probe invalid_probe = Probe::cc;
  std::chrono::seconds age{0};
};

// Per mille of nodes per word, in the schema's order (a word added to the schema gets 0
// here until it is given a share, and tests/fleet/simulator_test.cpp then fails). Most
// nodes are ordinary VMs or hosts; CC guests are the minority a platform adds.
constexpr std::array<unsigned, vocab::k_cc_mode_values.size()> k_mode_weights = {600, 25, 15, 130,
                                                                                 110, 10, 10, 100};
constexpr std::array<unsigned, vocab::k_tpm_family_values.size()> k_family_weights = {700, 80, 30,
                                                                                      150, 40};

template <typename E>
bool has(const std::vector<E>& v, E value) {
  return std::find(v.begin(), v.end(), value) != v.end();
}

void pick_capabilities(std::mt19937_64& rng, Traits& t) {
  using H = HostCapability;
  switch (pick(rng, std::array<unsigned, 5>{650, 150, 80, 100, 20})) {
    case 1:
      t.capabilities = {H::sev, H::sev_es, H::sev_snp};
      break;
    case 2:
      t.capabilities = {H::sev};
      break;
    case 3:
      t.capabilities = {H::tdx};
      break;
    case 4:
      t.capabilities = {H::protvirt};
      break;
    default:
      break;
  }
}

void pick_tpm_traits(std::mt19937_64& rng, Traits& t) {
  using M = TpmMissingPart;
  t.family = vocab::k_tpm_family_values[pick(rng, k_family_weights)];
  if (t.family == TpmFamily::tpm2_rm) {
    t.event_log = pick(rng, std::array<unsigned, 2>{700, 300}) == 0;
    const bool virtual_only = pick(rng, std::array<unsigned, 2>{900, 100}) == 1;
    if (virtual_only) {
      t.missing.push_back(M::hardware_chip);
    }
    // securityfs unreadable: the event log is not known to be missing (verdict unknown).
    const bool log_unseen =
        !t.event_log && !virtual_only && pick(rng, std::array<unsigned, 2>{750, 250}) == 1;
    if (!t.event_log && !log_unseen) {
      t.missing.push_back(M::event_log);
    }
  } else if (t.family == TpmFamily::tpm2_raw) {
    t.event_log = pick(rng, std::array<unsigned, 2>{600, 400}) == 0;
    t.missing.push_back(M::resource_manager);
    if (!t.event_log) {
      t.missing.push_back(M::event_log);
    }
  } else if (t.family == TpmFamily::absent && pick(rng, std::array<unsigned, 2>{800, 200}) == 1) {
    t.missing = {M::tpm2, M::driver};  // firmware describes a TPM 2.0, no chip bound
  } else {
    t.missing.push_back(M::tpm2);
  }
  const bool tpm2 = t.family == TpmFamily::tpm2_rm || t.family == TpmFamily::tpm2_raw;
  if (!t.missing.empty()) {
    t.verdict = tpm2 ? TpmReadiness::partial : TpmReadiness::none;
  } else {
    t.verdict = t.event_log ? TpmReadiness::ready : TpmReadiness::unknown;
  }
}

// The draws below happen in one fixed order per node (wave, CC, TPM, freshness), so the same
// seed gives the same fleet.
void pick_cc_traits(std::mt19937_64& rng, Traits& t) {
  t.mode = vocab::k_cc_mode_values[pick(rng, k_mode_weights)];
  if (t.mode == CcMode::none) {
    pick_capabilities(rng, t);
  }
}

// How old the node's documents are, which are missing, and which one is broken.
void pick_freshness_traits(std::mt19937_64& rng, Traits& t) {
  t.stale = pick(rng, std::array<unsigned, 2>{970, 30}) == 1;
  t.age = t.stale ? std::chrono::duration_cast<std::chrono::seconds>(k_stale_after) +
                        std::chrono::seconds(std::uniform_int_distribution<int>(60, 172800)(rng))
                  : std::chrono::seconds(std::uniform_int_distribution<int>(
                        0, static_cast<int>(std::chrono::seconds(k_heartbeat).count()))(rng));
  const std::size_t missing = pick(rng, std::array<unsigned, 3>{970, 10, 20});
  t.no_cc = missing == 1;
  t.no_tpm = missing == 2;
  if (pick(rng, std::array<unsigned, 2>{995, 5}) == 1) {
    t.invalid = static_cast<int>(std::uniform_int_distribution<int>(1, 6)(rng));
    t.invalid_probe = pick(rng, std::array<unsigned, 2>{500, 500}) == 0 ? Probe::cc : Probe::tpm;
  }
}

Traits traits_for(std::size_t index, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 1000003ULL + index);
  Traits t;
  // Rollout waves: a small canary, then growing waves.
  constexpr std::array<std::string_view, 4> k_waves = {"canary", "wave-1", "wave-2", "wave-3"};
  t.wave = k_waves[pick(rng, std::array<unsigned, 4>{20, 130, 300, 550})];
  pick_cc_traits(rng, t);
  pick_tpm_traits(rng, t);
  pick_freshness_traits(rng, t);
  return t;
}

ordered_json envelope(std::string_view kind, std::string_view probe, std::string_view node,
                      TimePoint at, const std::string& wave) {
  ordered_json j;
  j["apiVersion"] = "ztp-prem.tlsstress.art/v1";
  j["kind"] = kind;
  j["node"] = node;
  j["generatedAt"] = format_rfc3339(at);
  j["wave"] = wave;
  j["probe"] = {{"name", probe}, {"version", k_version}};
  return j;
}

template <typename E>
ordered_json words(const std::vector<E>& values) {
  auto out = ordered_json::array();
  for (const E v : values) {
    out.push_back(to_string(v));
  }
  return out;
}

// The detector's signals for a node of this mode (src/cc/cc_rules.cpp reads them so).
ordered_json cc_signals(const Traits& t) {
  using H = HostCapability;
  const CcMode m = t.mode;
  const bool amd_guest = m == CcMode::sev || m == CcMode::sev_es || m == CcMode::sev_snp;
  const bool guest = m != CcMode::none && m != CcMode::unknown;
  const bool es = m == CcMode::sev_es || m == CcMode::sev_snp;
  ordered_json s;
  s["cpuidAvailable"] = m != CcMode::cca && m != CcMode::protvirt;
  s["hypervisorPresent"] = guest || (m == CcMode::none && t.capabilities.empty());
  s["cpuAmdSev"] = amd_guest || has(t.capabilities, H::sev);
  s["cpuAmdSevEs"] = es || has(t.capabilities, H::sev_es);
  s["cpuAmdSevSnp"] = m == CcMode::sev_snp || has(t.capabilities, H::sev_snp);
  s["cpuTdxGuestLeaf"] = m == CcMode::tdx;
  s["msrSevStatusReadable"] = amd_guest;
  s["msrSevEnabled"] = amd_guest;
  s["msrSevEsEnabled"] = es;
  s["msrSevSnpEnabled"] = m == CcMode::sev_snp;
  s["sevGuestPlatformDevice"] = m == CcMode::sev_snp;
  s["tdxGuestDeviceNode"] = m == CcMode::tdx;
  s["ccaPlatformDevice"] = m == CcMode::cca;
  s["s390ProtVirtGuest"] = m == CcMode::protvirt;
  s["kvmAmdSev"] = has(t.capabilities, H::sev);
  s["kvmIntelTdx"] = has(t.capabilities, H::tdx);
  s["s390ProtVirtHost"] = has(t.capabilities, H::protvirt);
  return s;
}

ordered_json cc_document(const Traits& t, std::string_view node, TimePoint at) {
  ordered_json j = envelope("CCStatus", "ztp-prem-detect", node, at, t.wave);
  j["mode"] = to_string(t.mode);
  j["hostCapabilities"] = words(t.capabilities);
  j["signals"] = cc_signals(t);
  auto evidence = ordered_json::array();
  evidence.push_back("simulated node (ztp-prem-fleet simulate)");
  if (t.mode != CcMode::none && t.mode != CcMode::unknown) {
    evidence.push_back("guest: " + std::string(to_string(t.mode)) + " (simulated signals)");
  } else if (t.mode == CcMode::unknown) {
    evidence.push_back("guest: signals contradict each other (simulated)");
  } else {
    evidence.push_back("guest: not a CC guest");
  }
  evidence.push_back(t.capabilities.empty() ? "host: no CC host capability enabled"
                                            : "host: can launch CC guests (simulated)");
  j["evidence"] = std::move(evidence);
  j["enforcement"] = to_string(vocab::EnforcementMode::advisory);
  return j;
}

// The TPM probe's signals for a node of this family and these missing parts.
ordered_json tpm_signals(const Traits& t, bool tpm2) {
  const bool chip = t.family != TpmFamily::absent && t.family != TpmFamily::unknown;
  const bool tpm1 = t.family == TpmFamily::tpm1_2;
  const bool no_driver = has(t.missing, TpmMissingPart::driver);
  ordered_json s;
  s["sysfsVisible"] = true;
  s["tpmClassPresent"] = chip || t.family == TpmFamily::unknown;
  s["tpmChipPresent"] = chip;
  s["tpmrmSysfs"] = t.family == TpmFamily::tpm2_rm;
  s["versionMajorFile"] = tpm2;
  s["versionMajor2"] = tpm2;
  s["versionMajor1"] = tpm1;
  s["tpm1Attributes"] = tpm1;
  s["virtualChip"] = has(t.missing, TpmMissingPart::hardware_chip);
  s["rawDeviceNode"] = chip;
  s["rmDeviceNode"] = t.family == TpmFamily::tpm2_rm;
  s["deviceNodeHidden"] = false;
  s["familyContradiction"] = t.family == TpmFamily::unknown;
  s["eventLog"] = t.event_log;
  s["imaMeasurements"] = t.event_log && tpm2;
  s["acpiTpm2Table"] = tpm2 || no_driver;
  s["acpiTcpaTable"] = tpm1;
  s["firmwareWithoutDriver"] = no_driver;
  return s;
}

ordered_json tpm_document(const Traits& t, std::string_view node, TimePoint at) {
  ordered_json j = envelope("TPMStatus", "ztp-prem-tpm", node, at, t.wave);
  j["family"] = to_string(t.family);
  const bool tpm2 = t.family == TpmFamily::tpm2_rm || t.family == TpmFamily::tpm2_raw;
  ordered_json mb;
  mb["eventLog"] = t.event_log;
  mb["ima"] = t.event_log && tpm2;
  mb["pcrBanks"] = tpm2 ? ordered_json::array({"sha1", "sha256"}) : ordered_json::array();
  mb["firmwareTable"] =
      to_string(tpm2 || has(t.missing, TpmMissingPart::driver) ? TpmFirmwareTable::tpm2
                : t.family == TpmFamily::tpm1_2                ? TpmFirmwareTable::tcpa
                                                               : TpmFirmwareTable::none);
  j["measuredBoot"] = std::move(mb);
  j["readiness"] = {{"verdict", to_string(t.verdict)}, {"missing", words(t.missing)}};
  j["signals"] = tpm_signals(t, tpm2);
  auto evidence = ordered_json::array();
  evidence.push_back("simulated node (ztp-prem-fleet simulate)");
  evidence.push_back("family: " + std::string(to_string(t.family)) + " (simulated)");
  j["evidence"] = std::move(evidence);
  j["enforcement"] = to_string(vocab::EnforcementMode::advisory);
  return j;
}

Result<void> write_atomically(const std::filesystem::path& dir, const std::string& name,
                              const std::string& content) {
  // The agents' --publish dir: contract: write a temporary name, then rename(2) over.
  const auto tmp = dir / ("." + name + ".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return fail(ErrorKind::io_error, "cannot write '" + tmp.string() + "'");
  }
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) {
    return fail(ErrorKind::io_error, "cannot write '" + tmp.string() + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir / name, ec);
  if (ec) {
    return fail(ErrorKind::io_error, "cannot rename to '" + name + "': " + ec.message());
  }
  return {};
}

// A defective document of each kind a real fleet produces.
std::string invalid_document(int defect, ordered_json doc) {
  switch (defect) {
    case 1: {  // a writer that does not rename: read mid-write
      const std::string full = doc.dump(2);
      return full.substr(0, full.size() / 2);
    }
    case 2:  // clock or formatter bug
      doc["generatedAt"] = "27/11/2026 19:00";
      break;
    case 3:  // a newer probe's vocabulary, or a bug
      if (doc.contains("mode")) {
        doc["mode"] = "sev-tio";
      } else {
        doc["family"] = "tpm3";
      }
      break;
    case 4:  // a copied file: the node name does not match the file name
      doc["node"] = "copied-from-elsewhere";
      break;
    case 5: {  // runaway evidence
      auto& evidence = doc["evidence"];
      for (int i = 0; i < 200; ++i) {
        evidence.push_back(std::string(400, 'x'));
      }
      break;
    }
    default:  // a foreign JSON file under a document name
      return R"({"hello": "world"})";
  }
  return doc.dump(2) + "\n";
}

}  // namespace

std::string simulated_node_name(std::size_t index) {
  // Pools as a platform team names them; the index keeps names unique and sortable.
  constexpr std::array<std::string_view, 4> k_pools = {"cpu", "gpu", "edge", "infra"};
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%s-%06zu",
                              k_pools[index % k_pools.size()].data(), index);
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::string simulated_document(Probe probe, std::size_t index, std::uint64_t seed, TimePoint now) {
  const Traits t = traits_for(index, seed);
  const TimePoint at = std::chrono::floor<std::chrono::seconds>(now - t.age);
  const std::string node = simulated_node_name(index);
  return (probe == Probe::cc ? cc_document(t, node, at) : tpm_document(t, node, at)).dump(2) + "\n";
}

Result<SimulateSummary> simulate_fleet(const SimulateOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) {
    return fail(ErrorKind::bad_input,
                "cannot create '" + options.out.string() + "': " + ec.message());
  }
  SimulateSummary summary;
  for (std::size_t i = 0; i < options.nodes; ++i) {
    const Traits t = traits_for(i, options.seed);
    const TimePoint at = std::chrono::floor<std::chrono::seconds>(options.now - t.age);
    const std::string node = simulated_node_name(i);
    ++summary.nodes;
    summary.stale_nodes += t.stale ? 1U : 0U;
    for (const Probe probe : {Probe::cc, Probe::tpm}) {
      if ((probe == Probe::cc && t.no_cc) || (probe == Probe::tpm && t.no_tpm)) {
        ++summary.missing_documents;
        continue;
      }
      ordered_json doc = probe == Probe::cc ? cc_document(t, node, at) : tpm_document(t, node, at);
      std::string content;
      if (t.invalid != 0 && t.invalid_probe == probe) {
        content = invalid_document(t.invalid, std::move(doc));
        ++summary.invalid_documents;
      } else {
        content = doc.dump(2) + "\n";
      }
      if (auto ok = write_atomically(options.out, document_file_name(node, probe), content); !ok) {
        return tl::unexpected(ok.error());
      }
      ++summary.documents;
    }
  }
  return summary;
}

}  // namespace ztp::fleet
