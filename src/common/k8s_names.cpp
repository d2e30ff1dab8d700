#include "common/k8s_names.h"

namespace ztp {
namespace {

constexpr std::size_t k_max_subdomain_chars =
    253;  // RFC 1123 2.1, apimachinery DNS1123SubdomainMaxLength
constexpr std::size_t k_max_wave_chars =
    63;  // label value length (apimachinery LabelValueMaxLength)

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool is_dns_subdomain(std::string_view name) {
  if (name.empty() || name.size() > k_max_subdomain_chars) {
    return false;
  }
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (i == label_start || !is_lower_alnum(name[label_start]) || !is_lower_alnum(name[i - 1])) {
        return false;
      }
      label_start = i + 1;
    } else if (!is_lower_alnum(name[i]) && name[i] != '-') {
      return false;
    }
  }
  return true;
}

bool is_wave(std::string_view wave) {
  if (wave.empty() || wave.size() > k_max_wave_chars) {
    return false;
  }
  for (const char c : wave) {
    const bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace ztp
