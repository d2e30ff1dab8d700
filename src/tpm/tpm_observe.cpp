// Gathers TPM observations through the host view. Every path names its source.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "tpm/tpm_observations.h"
#include "tpm/tpm_sysfs.h"

namespace ztp::tpm {
namespace {

// drivers/char/tpm/tpm-interface.c: class_create "tpm" and, since 4.12, "tpmrm".
constexpr std::string_view k_sys_class = "/sys/class";
constexpr std::string_view k_class_tpm = "/sys/class/tpm";
constexpr std::string_view k_class_tpmrm = "/sys/class/tpmrm";
// A device allocated without a parent (tpm_vtpm_proxy.c: tpm_chip_alloc(NULL, ...))
// sits under /sys/devices/virtual/<class> (drivers/base/core.c, get_device_parent).
constexpr std::string_view k_virtual_tpm = "/sys/devices/virtual/tpm";
// drivers/char/tpm/tpm-chip.c: "tpm%d" (misc-style node) and "tpmrm%d" nodes.
constexpr std::string_view k_dev = "/dev";
// drivers/char/tpm/eventlog/common.c: securityfs dir named after the chip.
constexpr std::string_view k_securityfs = "/sys/kernel/security";
// security/integrity/ima/ima_fs.c; newer kernels make "ima" a link to integrity/ima.
constexpr std::string_view k_ima_dirs[] = {"/sys/kernel/security/ima",
                                           "/sys/kernel/security/integrity/ima"};
// drivers/acpi/sysfs.c exposes every ACPI table by signature (0400 root).
constexpr std::string_view k_acpi_tables = "/sys/firmware/acpi/tables";

// Documentation/ABI/stable/sysfs-class-tpm.
constexpr std::string_view k_version_file = "tpm_version_major";
constexpr std::string_view k_caps_file = "caps";  // TPM 1.x only
constexpr std::string_view k_device_link = "device";
// drivers/char/tpm/eventlog/common.c: binary for every chip with a log, ascii
// only for TPM 1.x chips.
constexpr std::string_view k_binary_log = "binary_bios_measurements";
constexpr std::string_view k_ascii_log = "ascii_bios_measurements";
// ACPI 6.5 table 5.6: "TPM2" (TCG ACPI spec) and "TCPA" (TPM 1.2 client/server).
constexpr std::string_view k_acpi_tpm2 = "TPM2";
constexpr std::string_view k_acpi_tcpa = "TCPA";

// tpm_version_major is "%s\n" of one digit; 64 bytes leaves room to see garbage.
constexpr std::size_t k_version_limit = 64;
constexpr std::size_t k_uevent_limit = 4096;

std::string join(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size() + 1);
  out.append(a).append("/").append(b);
  return out;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class Reader {
 public:
  Reader(const host::FileSource& files, std::vector<std::string>& unreadable)
      : m_files(files), m_unreadable(unreadable) {}

  // Lists a directory; absent and unreadable directories give no names.
  DirState list(std::string_view dir, std::vector<std::string>& names) {
    names.clear();
    auto entries = m_files.list(dir);
    if (!entries) {
      if (entries.error().kind == ErrorKind::not_found) {
        return DirState::absent;
      }
      m_unreadable.push_back(entries.error().message);
      return DirState::unreadable;
    }
    names = std::move(*entries);
    return names.empty() ? DirState::empty : DirState::populated;
  }

  bool exists(std::string_view path) {
    auto present = m_files.exists(path);
    if (!present) {
      m_unreadable.push_back(present.error().message);
      return false;
    }
    return *present;
  }

  // nullopt when absent or unreadable (the latter recorded); sets failed on errors.
  std::optional<std::string> read(std::string_view path, std::size_t max, bool& failed) {
    failed = false;
    auto text = m_files.read(path, max);
    if (!text) {
      if (text.error().kind != ErrorKind::not_found) {
        m_unreadable.push_back(text.error().message);
        failed = true;
      }
      return std::nullopt;
    }
    return std::move(*text);
  }

 private:
  const host::FileSource& m_files;
  std::vector<std::string>& m_unreadable;
};

void observe_chip(Reader& r, ChipFacts& chip, const std::vector<unsigned>& tpmrm_indices) {
  const std::string dir = join(k_class_tpm, chip.name);
  std::vector<std::string> names;
  chip.listable = r.list(dir, names) == DirState::populated;
  chip.tpmrm_sysfs =
      std::find(tpmrm_indices.begin(), tpmrm_indices.end(), chip.index) != tpmrm_indices.end();
  if (!chip.listable) {
    chip.virtual_path = r.exists(join(k_virtual_tpm, chip.name));
    return;
  }
  chip.device_link = contains(names, k_device_link);
  chip.caps_in_class = contains(names, k_caps_file);
  // Only a parentless chip can sit under /sys/devices/virtual: look there only then.
  chip.virtual_path = !chip.device_link && r.exists(join(k_virtual_tpm, chip.name));
  if (chip.device_link) {
    // Kernels before ~4.8 kept the TPM 1.x attributes on the parent device only;
    // later ones have them in the chip directory (compat links under device/ come
    // from tpm-chip.c, tpm_add_legacy_sysfs), so device/ is looked at only when the
    // chip directory has neither caps nor tpm_version_major (Linux 5.5+).
    if (!chip.caps_in_class && !contains(names, k_version_file)) {
      chip.caps_in_device = r.exists(dir + "/device/" + std::string(k_caps_file));
    }
    bool failed = false;
    if (auto uevent = r.read(dir + "/device/uevent", k_uevent_limit, failed)) {
      if (auto driver = sysfs::uevent_driver(*uevent)) {
        chip.driver = std::string(*driver);
      }
    }
  }
  if (contains(names, k_version_file)) {
    bool failed = false;
    auto value = r.read(join(dir, k_version_file), k_version_limit, failed);
    if (!value) {
      chip.version = failed ? VersionFile::unreadable : VersionFile::absent;
    } else if (const auto major = sysfs::parse_version_major(*value)) {
      chip.version = *major == 2 ? VersionFile::tpm2 : VersionFile::tpm1;
    } else {
      chip.version = VersionFile::unparsable;
    }
  }
  for (const auto& name : names) {
    if (name.rfind("pcr-", 0) != 0) {
      continue;
    }
    if (const auto bank = sysfs::pcr_bank_name(name)) {
      chip.pcr_banks.emplace_back(*bank);
    } else {
      ++chip.ignored_bank_dirs;
    }
  }
}

void observe_event_log(Reader& r, ChipFacts& chip) {
  std::vector<std::string> names;
  chip.securityfs_dir = r.list(join(k_securityfs, chip.name), names);
  chip.event_log = contains(names, k_binary_log);
  chip.ascii_event_log = contains(names, k_ascii_log);
}

}  // namespace

namespace {

// The chips /sys/class/tpm lists, sorted by index; the indices of /sys/class/tpmrm.
std::vector<unsigned> observe_class_dirs(Reader& r, TpmObservations& obs) {
  std::vector<std::string> names;
  std::vector<unsigned> tpmrm_indices;
  obs.class_tpmrm = r.list(k_class_tpmrm, names);
  for (const auto& name : names) {
    if (const auto index = sysfs::parse_indexed_name(name, "tpmrm")) {
      tpmrm_indices.push_back(*index);
    }
  }
  obs.class_tpm = r.list(k_class_tpm, names);
  for (const auto& name : names) {
    const auto index = sysfs::parse_indexed_name(name, "tpm");
    if (!index) {
      ++obs.ignored_class_entries;
      continue;
    }
    ChipFacts chip;
    chip.name = name;
    chip.index = *index;
    obs.chips.push_back(std::move(chip));
  }
  // /sys/class/tpm existing proves sysfs is mounted; otherwise ask about /sys/class.
  obs.sys_class_visible = obs.class_tpm != DirState::absent || r.exists(k_sys_class);
  std::sort(obs.chips.begin(), obs.chips.end(),
            [](const ChipFacts& a, const ChipFacts& b) { return a.index < b.index; });
  return tpmrm_indices;
}

// Listing /dev never opens a TPM node: opening /dev/tpmN is exclusive (tpm-dev.c).
void observe_dev_nodes(Reader& r, TpmObservations& obs) {
  std::vector<std::string> names;
  obs.dev_dir = r.list(k_dev, names);
  for (const auto& name : names) {
    if (const auto raw = sysfs::parse_indexed_name(name, "tpm")) {
      obs.raw_nodes.push_back(*raw);
    } else if (const auto rm = sysfs::parse_indexed_name(name, "tpmrm")) {
      obs.rm_nodes.push_back(*rm);
    }
  }
}

void observe_ima(Reader& r, TpmObservations& obs) {
  std::vector<std::string> names;
  for (const auto dir : k_ima_dirs) {
    if (r.list(dir, names) == DirState::populated) {
      obs.ima = std::any_of(names.begin(), names.end(),
                            [](const std::string& n) { return sysfs::is_ima_measurement_list(n); });
      return;
    }
  }
}

}  // namespace

TpmObservations observe(const host::HostView& host) {
  TpmObservations obs;
  Reader r(host.files, obs.unreadable);
  const std::vector<unsigned> tpmrm_indices = observe_class_dirs(r, obs);
  observe_dev_nodes(r, obs);
  std::vector<std::string> names;
  obs.securityfs = r.list(k_securityfs, names);
  for (auto& chip : obs.chips) {
    observe_chip(r, chip, tpmrm_indices);
    chip.raw_node =
        std::find(obs.raw_nodes.begin(), obs.raw_nodes.end(), chip.index) != obs.raw_nodes.end();
    chip.rm_node =
        std::find(obs.rm_nodes.begin(), obs.rm_nodes.end(), chip.index) != obs.rm_nodes.end();
    if (obs.securityfs == DirState::populated) {
      observe_event_log(r, chip);
    }
  }
  if (obs.securityfs == DirState::populated) {
    observe_ima(r, obs);
  }
  obs.acpi_tables = r.list(k_acpi_tables, names);
  obs.acpi_tpm2 = contains(names, k_acpi_tpm2);
  obs.acpi_tcpa = contains(names, k_acpi_tcpa);
  return obs;
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_tpm_node(std::string_view name) {
  return sysfs::parse_indexed_name(name, "tpm") || sysfs::parse_indexed_name(name, "tpmrm");
}

// Why each path above is looked at, for a capture's manifest. capture_test checks that
// every path a profile makes this probe touch has one.
std::string purpose(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> k_fixed[] = {
      {k_class_tpm, "TPM chips"},
      {k_class_tpmrm, "TPM 2.0 resource managers (4.12+)"},
      {k_sys_class, "sysfs visible at all"},
      {k_dev, "TPM device node names"},
      {k_securityfs, "securityfs mounted"},
      {k_ima_dirs[0], "IMA measurement list exists (names only)"},
      {k_ima_dirs[1], "IMA measurement list exists (names only)"},
      {k_acpi_tables, "TPM2/TCPA firmware table exists (names only)"},
  };
  for (const auto& [p, why] : k_fixed) {
    if (p == path) {
      return std::string(why);
    }
  }
  const auto name = path.substr(path.rfind('/') + 1);
  if (path.substr(0, k_class_tpm.size() + 1) == std::string(k_class_tpm) + "/") {
    if (path.find('/', k_class_tpm.size() + 1) == std::string_view::npos) {
      return "chip attributes: version, caps, device link, PCR bank names";
    }
    if (name == k_version_file) {
      return "TPM major version";
    }
    if (ends_with(path, "/device/uevent")) {
      return "the chip's driver (evidence)";
    }
    if (ends_with(path, "/device/caps")) {
      return "TPM 1.x attribute in the pre-4.8 layout";
    }
  }
  if (path.substr(0, k_virtual_tpm.size() + 1) == std::string(k_virtual_tpm) + "/") {
    return "virtual (parentless) chip, as vtpm_proxy makes";
  }
  if (path.substr(0, k_securityfs.size() + 1) == std::string(k_securityfs) + "/") {
    return "the chip's firmware event log exists (names only)";
  }
  return {};
}

}  // namespace

host::CaptureRules capture_rules() {
  host::CaptureRules rules;
  rules.contents = [](std::string_view path,
                      std::string_view contents) -> std::optional<host::KeptContents> {
    if (ends_with(path, std::string("/") + std::string(k_version_file))) {
      const auto major = sysfs::parse_version_major(contents);
      return host::KeptContents{major ? std::to_string(*major) + "\n" : std::string("?\n"),
                                "TPM major version: 1 or 2, or ? when unusable"};
    }
    if (ends_with(path, "/device/uevent")) {
      const auto driver = sysfs::uevent_driver(contents);
      return host::KeptContents{driver ? "DRIVER=" + std::string(*driver) + "\n" : std::string(),
                                "the parent device's driver: a valid DRIVER= line only"};
    }
    return std::nullopt;
  };
  rules.purpose = purpose;
  rules.names = [](std::string_view dir, std::vector<std::string> names) {
    if (dir == k_dev) {
      // /dev also names disks and volume groups, which often carry the host name.
      names.erase(std::remove_if(names.begin(), names.end(),
                                 [](const std::string& n) { return !is_tpm_node(n); }),
                  names.end());
    }
    return names;
  };
  return rules;
}

}  // namespace ztp::tpm
