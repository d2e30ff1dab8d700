#include "tpm/tpm_rules.h"

#include <algorithm>

namespace ztp::tpm {
namespace {

// TPM 1.2 chips get exactly one bank, sha1 (tpm1-cmd.c, tpm1_get_pcr_allocation).
constexpr std::string_view k_tpm1_bank = "sha1";

std::string dev_path(std::string_view prefix, unsigned index) {
  return "/dev/" + std::string(prefix) + std::to_string(index);
}

void add_missing(std::vector<Missing>& missing, Missing m) {
  if (std::find(missing.begin(), missing.end(), m) == missing.end()) {
    missing.push_back(m);
  }
}

void sort_missing(std::vector<Missing>& missing) {
  std::sort(missing.begin(), missing.end(),
            [](Missing a, Missing b) { return static_cast<int>(a) < static_cast<int>(b); });
}

}  // namespace

std::optional<std::size_t> primary_chip(const TpmObservations& obs) {
  if (obs.chips.empty()) {
    return std::nullopt;
  }
  // chips are sorted by index: the first hardware chip, else the first chip.
  for (std::size_t i = 0; i < obs.chips.size(); ++i) {
    if (obs.chips[i].hardware()) {
      return i;
    }
  }
  return 0;
}

// What points at TPM 2.0 and what at TPM 1.2 in one chip's sysfs.
struct ChipClues {
  std::vector<std::string> tpm2;
  std::vector<std::string> tpm1;
};

ChipClues clues_of(const ChipFacts& chip) {
  ChipClues c;
  if (chip.version == VersionFile::tpm2) {
    c.tpm2.push_back("tpm_version_major is 2");
  } else if (chip.version == VersionFile::tpm1) {
    c.tpm1.push_back("tpm_version_major is 1");
  }
  if (chip.tpmrm_sysfs) {
    c.tpm2.push_back("resource manager tpmrm" + std::to_string(chip.index) + " in sysfs");
  }
  if (chip.rm_node) {
    c.tpm2.push_back(dev_path("tpmrm", chip.index) + " exists");
  }
  for (const auto& bank : chip.pcr_banks) {
    if (bank != k_tpm1_bank) {
      c.tpm2.push_back("PCR bank " + bank + " (a TPM 1.2 has only sha1)");
      break;
    }
  }
  if (chip.caps_in_class || chip.caps_in_device) {
    c.tpm1.push_back(std::string("TPM 1.x attribute caps present") +
                     (chip.caps_in_class ? "" : " under device/ (older kernel layout)"));
  }
  return c;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i ? "; " : "") + parts[i];
  }
  return out;
}

// A chip with no positive clue: what the version file and the directory still tell.
ChipVerdict classify_without_clues(const ChipFacts& chip) {
  ChipVerdict v;
  const std::string& n = chip.name;
  if (!chip.listable) {
    v.reasons.push_back(n + ": its sysfs directory cannot be listed");
    return v;
  }
  switch (chip.version) {
    case VersionFile::absent:
      v.kind = ChipKind::tpm2;
      v.inferred = true;
      v.reasons.push_back(n +
                          ": TPM 2.0 inferred: no tpm_version_major (kernel before 5.5) and "
                          "no TPM 1.x attributes, which every TPM 1.x chip has");
      return v;
    case VersionFile::unparsable:
      v.reasons.push_back(n + ": tpm_version_major holds neither 1 nor 2, and no other clue");
      return v;
    case VersionFile::unreadable:
      v.reasons.push_back(n + ": tpm_version_major is unreadable, and no other clue");
      return v;
    case VersionFile::tpm1:
    case VersionFile::tpm2:
      break;
  }
  return v;
}

ChipVerdict classify_chip(const ChipFacts& chip) {
  const ChipClues clues = clues_of(chip);
  const std::string& n = chip.name;
  ChipVerdict v;
  if (!clues.tpm2.empty() && !clues.tpm1.empty()) {
    v.kind = ChipKind::contradictory;
    v.reasons.push_back(n + ": contradictory: TPM 2.0 (" + joined(clues.tpm2) + ") vs TPM 1.2 (" +
                        joined(clues.tpm1) + ")");
    return v;
  }
  if (clues.tpm2.empty() && clues.tpm1.empty()) {
    return classify_without_clues(chip);
  }
  const bool tpm2 = !clues.tpm2.empty();
  v.kind = tpm2 ? ChipKind::tpm2 : ChipKind::tpm1_2;
  for (const auto& clue : tpm2 ? clues.tpm2 : clues.tpm1) {
    v.reasons.push_back(n + (tpm2 ? ": TPM 2.0: " : ": TPM 1.2: ") + clue);
  }
  return v;
}

namespace {

// The family the primary chip's verdict gives.
void adopt_chip_kind(const ChipFacts& chip, const ChipVerdict& cv, TpmVerdict& out) {
  out.family_inferred = cv.inferred;
  switch (cv.kind) {
    case ChipKind::tpm2:
      out.family = chip.tpmrm_sysfs || chip.rm_node ? Family::tpm2_rm : Family::tpm2_raw;
      if (out.family == Family::tpm2_raw) {
        out.reasons.push_back(chip.name +
                              ": no resource manager (tpmrm needs Linux 4.12): raw access only");
      }
      break;
    case ChipKind::tpm1_2:
      out.family = Family::tpm1_2;
      break;
    case ChipKind::contradictory:
      out.contradiction = true;
      out.family = Family::unknown;
      break;
    case ChipKind::undetermined:
      out.family = Family::unknown;
      break;
  }
}

// The other chips, the first few by name and the rest as a count: a host with a
// thousand vTPMs must not push the measured-boot reasons out of the bounded evidence.
void note_other_chips(const TpmObservations& obs, std::size_t primary, TpmVerdict& out) {
  constexpr std::size_t k_named_other_chips = 4;
  const std::string& decides = obs.chips[primary].name;
  std::size_t others = 0;
  for (std::size_t i = 0; i < obs.chips.size(); ++i) {
    if (i == primary || ++others > k_named_other_chips) {
      continue;
    }
    const ChipFacts& other = obs.chips[i];
    out.reasons.push_back(other.name + ": " + (other.hardware() ? "hardware" : "virtual") +
                          " chip ignored for the family: " + decides + " decides");
  }
  if (others > k_named_other_chips) {
    out.reasons.push_back("and " + std::to_string(others - k_named_other_chips) +
                          " more chips ignored for the family: " + decides + " decides");
  }
}

// Whether the chip's device node is visible to this probe (a container may hide /dev).
void check_device_node(const TpmObservations& obs, const ChipFacts& chip, TpmVerdict& out) {
  const bool tpm2 = out.family == Family::tpm2_rm || out.family == Family::tpm2_raw;
  if (obs.dev_dir == DirState::unreadable) {
    out.device_node_hidden = true;
    out.reasons.push_back("/dev cannot be listed: device nodes are not visible to this probe");
  } else if (!chip.raw_node || (tpm2 && chip.tpmrm_sysfs && !chip.rm_node)) {
    out.device_node_hidden = true;
    out.reasons.push_back(
        "sysfs shows " + chip.name + " but " +
        (chip.raw_node ? dev_path("tpmrm", chip.index) : dev_path("tpm", chip.index)) +
        " is not visible to this probe (a container without the host's /dev?)");
  }
}

void decide_family_from_chips(const TpmObservations& obs, TpmVerdict& out) {
  const std::size_t p = *out.primary;
  const ChipFacts& chip = obs.chips[p];
  ChipVerdict cv = classify_chip(chip);
  for (auto& r : cv.reasons) {
    out.reasons.push_back(std::move(r));
  }
  if (chip.version == VersionFile::unparsable && cv.kind != ChipKind::undetermined) {
    out.reasons.push_back(chip.name + ": tpm_version_major holds neither 1 nor 2; ignored");
  }
  adopt_chip_kind(chip, cv, out);
  if (chip.hardware()) {
    out.reasons.push_back(chip.name + ": hardware chip (has a parent device)" +
                          (chip.driver ? ", driver " + *chip.driver : std::string()));
  } else {
    out.reasons.push_back(chip.name +
                          ": virtual chip (no parent device, as vtpm_proxy chips): not a "
                          "firmware-backed TPM");
  }
  note_other_chips(obs, p, out);
  check_device_node(obs, chip, out);
}

void decide_family_without_chips(const TpmObservations& obs, TpmVerdict& out) {
  const bool nodes = !obs.raw_nodes.empty() || !obs.rm_nodes.empty();
  if (obs.class_tpm == DirState::unreadable) {
    out.family = Family::unknown;
    out.reasons.push_back("/sys/class/tpm cannot be listed");
    return;
  }
  if (obs.class_tpm != DirState::absent && obs.ignored_class_entries > 0) {
    out.reasons.push_back("/sys/class/tpm holds " + std::to_string(obs.ignored_class_entries) +
                          " entries that are not chips; ignored");
  }
  if (obs.class_tpm != DirState::absent && nodes) {
    out.family = Family::unknown;
    out.contradiction = true;
    out.reasons.push_back(
        "/sys/class/tpm has no chip but /dev has TPM nodes (stale nodes in a static /dev?)");
    return;
  }
  if (!obs.rm_nodes.empty()) {
    out.family = Family::tpm2_rm;
    out.family_from_device_nodes = true;
    out.reasons.push_back(dev_path("tpmrm", obs.rm_nodes.front()) +
                          " exists without sysfs: TPM 2.0 (only TPM 2.0 chips get tpmrm)");
    return;
  }
  if (!obs.raw_nodes.empty()) {
    out.family = Family::unknown;
    out.family_from_device_nodes = true;
    out.reasons.push_back(dev_path("tpm", obs.raw_nodes.front()) +
                          " exists without sysfs: TPM 1.2 and 2.0 cannot be told apart "
                          "without sending a command");
    return;
  }
  if (obs.class_tpm == DirState::empty || obs.class_tpm == DirState::populated) {
    out.family = Family::absent;
    out.reasons.push_back("/sys/class/tpm exists but holds no chip: TPM core loaded, none bound");
    return;
  }
  if (!obs.sys_class_visible) {
    out.family = Family::unknown;
    out.reasons.push_back("/sys/class is not visible: sysfs is not mounted in this view");
    return;
  }
  out.family = Family::absent;
  out.reasons.push_back("no /sys/class/tpm: no TPM core (not built or not loaded)");
}

void decide_measured_boot(const TpmObservations& obs, TpmVerdict& out) {
  if (obs.acpi_tpm2) {
    out.firmware_table = FirmwareTable::tpm2;
  } else if (obs.acpi_tcpa) {
    out.firmware_table = FirmwareTable::tcpa;
  }
  if (obs.acpi_tpm2 && obs.acpi_tcpa) {
    out.reasons.push_back("ACPI has both TPM2 and TCPA tables: reporting TPM2");
  }
  if (obs.acpi_tables == DirState::absent || obs.acpi_tables == DirState::unreadable) {
    out.reasons.push_back(
        "/sys/firmware/acpi/tables is not visible (no ACPI, or masked in a container): "
        "firmwareTable none is not conclusive");
  }
  if (!out.primary) {
    if (out.family == Family::absent && (obs.acpi_tpm2 || obs.acpi_tcpa)) {
      out.firmware_without_driver = true;
      out.reasons.push_back(
          std::string("firmware describes a TPM (ACPI ") +
          std::string(to_string(obs.acpi_tpm2 ? FirmwareTable::tpm2 : FirmwareTable::tcpa)) +
          " table) but no chip is bound: driver missing or failed to probe");
    }
    return;
  }
  const ChipFacts& chip = obs.chips[*out.primary];
  out.event_log = chip.event_log;
  out.pcr_banks = chip.pcr_banks;
  if (chip.ignored_bank_dirs > 0) {
    out.reasons.push_back(chip.name + ": " + std::to_string(chip.ignored_bank_dirs) +
                          " pcr-* entries with implausible bank names ignored");
  }
  if (chip.pcr_banks.empty() && chip.listable) {
    out.reasons.push_back(chip.name + ": no pcr-<alg> directories (they need Linux 5.12)");
  }
  if (!chip.event_log) {
    if (obs.securityfs == DirState::unreadable || chip.securityfs_dir == DirState::unreadable) {
      // EACCES is not "not mounted": say what we could not see, not that it is missing.
      out.reasons.push_back(
          "event log cannot be checked: securityfs is present but cannot "
          "be listed by this probe");
    } else if (obs.securityfs != DirState::populated) {
      out.reasons.push_back("event log not visible: securityfs is not mounted in this view");
    } else {
      out.reasons.push_back("no binary_bios_measurements for " + chip.name +
                            ": firmware gave no event log, or the chip is virtual");
    }
  }
}

void decide_readiness(TpmVerdict& out, const TpmObservations& obs) {
  const bool tpm2 = out.family == Family::tpm2_rm || out.family == Family::tpm2_raw;
  if (!tpm2) {
    out.readiness = Readiness::none;
    add_missing(out.missing,
                out.firmware_without_driver && obs.acpi_tpm2 ? Missing::driver : Missing::tpm2);
    return;
  }
  if (out.family == Family::tpm2_raw) {
    add_missing(out.missing, Missing::resource_manager);
  }
  if (out.primary && !obs.chips[*out.primary].hardware()) {
    add_missing(out.missing, Missing::hardware_chip);
  }
  // An event log securityfs would not show us is not known to be missing: with nothing
  // else lacking, readiness cannot be told (unknown), never a guess either way.
  const bool log_unseen =
      obs.securityfs == DirState::unreadable ||
      (out.primary && obs.chips[*out.primary].securityfs_dir == DirState::unreadable);
  if (!out.event_log && !log_unseen) {
    add_missing(out.missing, Missing::event_log);
  }
  sort_missing(out.missing);
  if (!out.missing.empty()) {
    out.readiness = Readiness::partial;
  } else {
    out.readiness = out.event_log ? Readiness::ready : Readiness::unknown;
  }
}

}  // namespace

TpmVerdict classify(const TpmObservations& obs) {
  TpmVerdict out;
  out.primary = primary_chip(obs);
  if (out.primary) {
    decide_family_from_chips(obs, out);
  } else {
    decide_family_without_chips(obs, out);
  }
  decide_measured_boot(obs, out);
  decide_readiness(out, obs);
  for (const auto& path : obs.unreadable) {
    out.reasons.push_back("unreadable: " + path);
  }
  return out;
}

}  // namespace ztp::tpm
