#include "fleet/simulator.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

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

// What one simulated node is: chosen once per node so its two documents agree.
struct Traits {
  std::string wave;
  std::string mode;
  std::vector<std::string> capabilities;
  std::string family;
  std::string verdict;
  std::vector<std::string> missing;
  bool event_log = false;
  bool stale = false;
  bool no_cc = false;
  bool no_tpm = false;
  int invalid = 0;  // 0 = valid; otherwise which defect (see write_invalid)
  Probe invalid_probe = Probe::cc;
  std::chrono::seconds age{0};
};

// The draws below happen in one fixed order per node (wave, CC, TPM, freshness), so the same
// seed gives the same fleet.

void pick_cc_traits(std::mt19937_64& rng, Traits& t) {
  // Most nodes are ordinary VMs or hosts; CC guests are the minority a platform adds.
  constexpr std::array<std::string_view, 8> k_sim_modes = {"none", "sev", "sev-es",   "sev-snp",
                                                           "tdx",  "cca", "protvirt", "unknown"};
  t.mode = k_sim_modes[pick(rng, std::array<unsigned, 8>{600, 25, 15, 130, 110, 10, 10, 100})];
  if (t.mode == "none") {
    switch (pick(rng, std::array<unsigned, 5>{650, 150, 80, 100, 20})) {
      case 1:
        t.capabilities = {"sev", "sev-es", "sev-snp"};
        break;
      case 2:
        t.capabilities = {"sev"};
        break;
      case 3:
        t.capabilities = {"tdx"};
        break;
      case 4:
        t.capabilities = {"protvirt"};
        break;
      default:
        break;
    }
  }
}

void pick_tpm_traits(std::mt19937_64& rng, Traits& t) {
  constexpr std::array<std::string_view, 5> k_sim_families = {"tpm2-rm", "tpm2-raw", "tpm1.2",
                                                              "absent", "unknown"};
  t.family = k_sim_families[pick(rng, std::array<unsigned, 5>{700, 80, 30, 150, 40})];
  if (t.family == "tpm2-rm") {
    t.event_log = pick(rng, std::array<unsigned, 2>{700, 300}) == 0;
    const bool virtual_only = pick(rng, std::array<unsigned, 2>{900, 100}) == 1;
    if (virtual_only) {
      t.missing.push_back("hardwareChip");
    }
    if (!t.event_log) {
      t.missing.push_back("eventLog");
    }
  } else if (t.family == "tpm2-raw") {
    t.event_log = pick(rng, std::array<unsigned, 2>{600, 400}) == 0;
    t.missing.push_back("resourceManager");
    if (!t.event_log) {
      t.missing.push_back("eventLog");
    }
  } else if (t.family == "absent" && pick(rng, std::array<unsigned, 2>{800, 200}) == 1) {
    t.missing = {"tpm2", "driver"};  // firmware describes a TPM 2.0, no chip bound
  } else {
    t.missing.push_back("tpm2");
  }
  const bool tpm2 = t.family == "tpm2-rm" || t.family == "tpm2-raw";
  t.verdict = t.missing.empty() ? "ready" : (tpm2 ? "partial" : "none");
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

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

ordered_json cc_document(const Traits& t, std::string_view node, TimePoint at) {
  ordered_json j = envelope("CCStatus", "ztp-prem-detect", node, at, t.wave);
  j["mode"] = t.mode;
  j["hostCapabilities"] = t.capabilities;
  const bool amd_guest = t.mode == "sev" || t.mode == "sev-es" || t.mode == "sev-snp";
  const bool guest = t.mode != "none" && t.mode != "unknown";
  ordered_json s;
  s["cpuidAvailable"] = t.mode != "cca" && t.mode != "protvirt";
  s["hypervisorPresent"] = guest || (t.mode == "none" && t.capabilities.empty());
  s["cpuAmdSev"] = amd_guest || has(t.capabilities, "sev");
  s["cpuAmdSevEs"] = t.mode == "sev-es" || t.mode == "sev-snp" || has(t.capabilities, "sev-es");
  s["cpuAmdSevSnp"] = t.mode == "sev-snp" || has(t.capabilities, "sev-snp");
  s["cpuTdxGuestLeaf"] = t.mode == "tdx";
  s["msrSevStatusReadable"] = amd_guest;
  s["msrSevEnabled"] = amd_guest;
  s["msrSevEsEnabled"] = t.mode == "sev-es" || t.mode == "sev-snp";
  s["msrSevSnpEnabled"] = t.mode == "sev-snp";
  s["sevGuestPlatformDevice"] = t.mode == "sev-snp";
  s["tdxGuestDeviceNode"] = t.mode == "tdx";
  s["ccaPlatformDevice"] = t.mode == "cca";
  s["s390ProtVirtGuest"] = t.mode == "protvirt";
  s["kvmAmdSev"] = has(t.capabilities, "sev");
  s["kvmIntelTdx"] = has(t.capabilities, "tdx");
  s["s390ProtVirtHost"] = has(t.capabilities, "protvirt");
  j["signals"] = std::move(s);
  auto evidence = ordered_json::array();
  evidence.push_back("simulated node (ztp-prem-fleet simulate)");
  if (guest) {
    evidence.push_back("guest: " + t.mode + " (simulated signals)");
  } else if (t.mode == "unknown") {
    evidence.push_back("guest: signals contradict each other (simulated)");
  } else {
    evidence.push_back("guest: not a CC guest");
  }
  evidence.push_back(t.capabilities.empty() ? "host: no CC host capability enabled"
                                            : "host: can launch CC guests (simulated)");
  j["evidence"] = std::move(evidence);
  j["enforcement"] = "advisory";
  return j;
}

ordered_json tpm_document(const Traits& t, std::string_view node, TimePoint at) {
  ordered_json j = envelope("TPMStatus", "ztp-prem-tpm", node, at, t.wave);
  j["family"] = t.family;
  const bool tpm2 = t.family == "tpm2-rm" || t.family == "tpm2-raw";
  ordered_json mb;
  mb["eventLog"] = t.event_log;
  mb["ima"] = t.event_log && tpm2;
  mb["pcrBanks"] = tpm2 ? ordered_json::array({"sha1", "sha256"}) : ordered_json::array();
  mb["firmwareTable"] = tpm2 || has(t.missing, "driver") ? "TPM2"
                        : t.family == "tpm1.2"           ? "TCPA"
                                                         : "none";
  j["measuredBoot"] = std::move(mb);
  j["readiness"] = {{"verdict", t.verdict}, {"missing", t.missing}};
  const bool chip = t.family != "absent" && t.family != "unknown";
  ordered_json s;
  s["sysfsVisible"] = true;
  s["tpmClassPresent"] = chip || t.family == "unknown";
  s["tpmChipPresent"] = chip;
  s["tpmrmSysfs"] = t.family == "tpm2-rm";
  s["versionMajorFile"] = tpm2;
  s["versionMajor2"] = tpm2;
  s["versionMajor1"] = t.family == "tpm1.2";
  s["tpm1Attributes"] = t.family == "tpm1.2";
  s["virtualChip"] = has(t.missing, "hardwareChip");
  s["rawDeviceNode"] = chip;
  s["rmDeviceNode"] = t.family == "tpm2-rm";
  s["deviceNodeHidden"] = false;
  s["familyContradiction"] = t.family == "unknown";
  s["eventLog"] = t.event_log;
  s["imaMeasurements"] = t.event_log && tpm2;
  s["acpiTpm2Table"] = tpm2 || has(t.missing, "driver");
  s["acpiTcpaTable"] = t.family == "tpm1.2";
  s["firmwareWithoutDriver"] = has(t.missing, "driver");
  j["signals"] = std::move(s);
  auto evidence = ordered_json::array();
  evidence.push_back("simulated node (ztp-prem-fleet simulate)");
  evidence.push_back("family: " + t.family + " (simulated)");
  j["evidence"] = std::move(evidence);
  j["enforcement"] = "advisory";
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
