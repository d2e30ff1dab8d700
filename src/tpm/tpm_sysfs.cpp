#include "tpm/tpm_sysfs.h"

#include "common/text.h"

namespace ztp::tpm::sysfs {
namespace {

// drivers/char/tpm/tpm.h: TPM_NUM_DEVICES.
constexpr unsigned k_max_devices = 65536;
constexpr std::size_t k_max_bank_name = 16;
constexpr std::size_t k_max_driver_name = 32;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || is_digit(c); }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<int> parse_version_major(std::string_view value) {
  value = text::trim(value);
  if (value == "2") {
    return 2;
  }
  if (value == "1") {
    return 1;
  }
  return std::nullopt;
}

std::optional<unsigned> parse_indexed_name(std::string_view name, std::string_view prefix) {
  if (!starts_with(name, prefix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 5 || (digits.size() > 1 && digits.front() == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value >= k_max_devices) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string_view> pcr_bank_name(std::string_view dir_name) {
  constexpr std::string_view k_prefix = "pcr-";
  if (!starts_with(dir_name, k_prefix)) {
    return std::nullopt;
  }
  const std::string_view bank = dir_name.substr(k_prefix.size());
  if (bank.empty() || bank.size() > k_max_bank_name) {
    return std::nullopt;
  }
  for (const char c : bank) {
    if (!is_lower_alnum(c) && c != '_' && c != '-') {
      return std::nullopt;
    }
  }
  return bank;
}

std::optional<std::string_view> uevent_driver(std::string_view uevent) {
  constexpr std::string_view k_key = "DRIVER=";
  while (!uevent.empty()) {
    const auto eol = uevent.find('\n');
    const std::string_view line = uevent.substr(0, eol);
    uevent = eol == std::string_view::npos ? std::string_view() : uevent.substr(eol + 1);
    if (!starts_with(line, k_key)) {
      continue;
    }
    const std::string_view name = line.substr(k_key.size());
    if (name.empty() || name.size() > k_max_driver_name) {
      return std::nullopt;
    }
    for (const char c : name) {
      const bool ok =
          is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
      if (!ok) {
        return std::nullopt;
      }
    }
    return name;
  }
  return std::nullopt;
}

bool is_ima_measurement_list(std::string_view name) {
  return starts_with(name, "ascii_runtime_measurements") ||
         starts_with(name, "binary_runtime_measurements");
}

}  // namespace ztp::tpm::sysfs
