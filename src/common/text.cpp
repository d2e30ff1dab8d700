#include "common/text.h"

#include <charconv>

namespace ztp::text {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<bool> parse_kernel_bool(std::string_view s) {
  s = trim(s);
  if (s == "Y" || s == "y") {
    return true;
  }
  if (s == "N" || s == "n") {
    return false;
  }
  // Integer module parameters (kvm_amd "sev" before it became a bool) print %d.
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  std::uint64_t value = 0;
  if (s.empty()) {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return !negative && value != 0;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> find_keyed_count(std::string_view file, std::string_view key) {
  while (!file.empty()) {
    const auto eol = file.find('\n');
    std::string_view line = file.substr(0, eol);
    file = eol == std::string_view::npos ? std::string_view() : file.substr(eol + 1);
    line = trim(line);
    if (line.size() > key.size() && line.substr(0, key.size()) == key &&
        is_space(line[key.size()])) {
      return parse_u64(line.substr(key.size()));
    }
  }
  return std::nullopt;
}

bool has_word(std::string_view words, std::string_view word) {
  if (word.empty()) {
    return false;
  }
  std::size_t pos = 0;
  while ((pos = words.find(word, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || is_space(words[pos - 1]);
    const std::size_t after = pos + word.size();
    const bool ends = after == words.size() || is_space(words[after]);
    if (starts && ends) {
      return true;
    }
    pos = after;
  }
  return false;
}

std::optional<std::string_view> find_colon_field(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    if (trim(line.substr(0, colon)) == key) {
      return trim(line.substr(colon + 1));
    }
  }
  return std::nullopt;
}

std::string printable(std::string_view s, std::size_t max_chars) {
  static constexpr char k_hex[] = "0123456789abcdef";
  const std::string_view head = s.substr(0, max_chars);
  std::string out;
  out.reserve(head.size() + 3);
  for (const char c : head) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      out.append("\\x").push_back(k_hex[byte >> 4]);
      out.push_back(k_hex[byte & 0xf]);
    }
  }
  if (s.size() > max_chars) {
    out.append("...");
  }
  return out;
}

}  // namespace ztp::text
