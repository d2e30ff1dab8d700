#include "host/cpuid_source.h"

#include <algorithm>
#include <charconv>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "common/text.h"

namespace ztp::host {

bool NativeCpuid::available() const {
#if defined(__x86_64__) || defined(__i386__)
  return true;
#else
  return false;
#endif
}

CpuidRegs NativeCpuid::query(std::uint32_t leaf, std::uint32_t subleaf) const {
  CpuidRegs regs;
#if defined(__x86_64__) || defined(__i386__)
  for (const auto& r : m_remembered) {
    if (r.leaf == leaf && r.subleaf == subleaf) {
      return r.regs;
    }
  }
  __cpuid_count(leaf, subleaf, regs.eax, regs.ebx, regs.ecx, regs.edx);
  m_remembered.push_back({leaf, subleaf, regs});
#else
  (void)leaf;
  (void)subleaf;
#endif
  return regs;
}

namespace {

// Consumes "0x" + hex digits from the front of s; nullopt unless the prefix is there.
std::optional<std::uint32_t> take_hex(std::string_view& s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  const char* begin = s.data() + 2;
  const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value, 16);
  if (ec != std::errc() || end == begin) {
    return std::nullopt;
  }
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return value;
}

bool take_literal(std::string_view& s, std::string_view literal) {
  if (s.substr(0, literal.size()) != literal) {
    return false;
  }
  s.remove_prefix(literal.size());
  return true;
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
}

// "0x8000001f 0x00: eax=0x0001007b ebx=0x00000173 ecx=0x000001fd edx=0x00000001"
std::optional<ReplayCpuid::Entry> parse_leaf_line(std::string_view line) {
  ReplayCpuid::Entry entry{};
  skip_spaces(line);
  const auto leaf = take_hex(line);
  skip_spaces(line);
  const auto subleaf = take_hex(line);
  if (!leaf || !subleaf || !take_literal(line, ":")) {
    return std::nullopt;
  }
  entry.leaf = *leaf;
  entry.subleaf = *subleaf;
  std::uint32_t* regs[] = {&entry.regs.eax, &entry.regs.ebx, &entry.regs.ecx, &entry.regs.edx};
  const std::string_view names[] = {"eax=", "ebx=", "ecx=", "edx="};
  for (std::size_t i = 0; i < 4; ++i) {
    skip_spaces(line);
    if (!take_literal(line, names[i])) {
      return std::nullopt;
    }
    const auto value = take_hex(line);
    if (!value) {
      return std::nullopt;
    }
    *regs[i] = *value;
  }
  if (!text::trim(line).empty()) {
    return std::nullopt;
  }
  return entry;
}

bool is_cpu_header(std::string_view line) {
  // "CPU:" from `cpuid -r -1`, "CPU 3:" from `cpuid -r`.
  if (!take_literal(line, "CPU")) {
    return false;
  }
  skip_spaces(line);
  while (!line.empty() && line.front() >= '0' && line.front() <= '9') {
    line.remove_prefix(1);
  }
  return line == ":";
}

bool key_less(const ReplayCpuid::Entry& a, const ReplayCpuid::Entry& b) {
  return a.leaf != b.leaf ? a.leaf < b.leaf : a.subleaf < b.subleaf;
}

}  // namespace

Result<ReplayCpuid> ReplayCpuid::parse(std::string_view text) {
  std::vector<Entry> entries;
  int headers = 0;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    const std::string_view raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const std::string_view line = text::trim(raw);
    if (line.empty()) {
      continue;
    }
    if (is_cpu_header(line)) {
      if (++headers > 1) {
        break;  // a multi-CPU dump: the first CPU is the one we model
      }
      continue;
    }
    const auto entry = parse_leaf_line(line);
    if (!entry) {
      const std::string shown = text::printable(line, 80);
      return fail(ErrorKind::bad_input, "cpuid replay line " + std::to_string(line_no) +
                                            ": expected \"0xLEAF 0xSUB: "
                                            "eax=0x... ebx=0x... ecx=0x... edx=0x...\", got \"" +
                                            shown + "\"");
    }
    entries.push_back(*entry);
  }
  std::stable_sort(entries.begin(), entries.end(), key_less);
  // A repeated (leaf, subleaf) keeps its first value.
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& a, const Entry& b) {
                              return a.leaf == b.leaf && a.subleaf == b.subleaf;
                            }),
                entries.end());
  return ReplayCpuid(std::move(entries));
}

CpuidRegs ReplayCpuid::query(std::uint32_t leaf, std::uint32_t subleaf) const {
  const Entry probe{leaf, subleaf, {}};
  const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), probe, key_less);
  if (it != m_entries.end() && it->leaf == leaf && it->subleaf == subleaf) {
    return it->regs;
  }
  return {};
}

}  // namespace ztp::host
