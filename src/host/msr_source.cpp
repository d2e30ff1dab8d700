#include "host/msr_source.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "common/text.h"

namespace ztp::host {
namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

Result<std::uint64_t> DeviceMsr::read(std::uint32_t index) const {
  auto bytes = m_files.read_at("/dev/cpu/0/msr", index, sizeof(std::uint64_t));
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  std::uint64_t value = 0;
  std::memcpy(&value, bytes->data(), sizeof value);  // the driver returns host byte order
  return value;
}

Result<ReplayMsr> ReplayMsr::parse(std::string_view text) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> values;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    const std::string_view line = text::trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) {
      continue;
    }
    const auto space = line.find_first_of(" \t");
    const bool hex_words = line.substr(0, 2) == "0x" && space != std::string_view::npos &&
                           text::trim(line.substr(space)).substr(0, 2) == "0x";
    const auto index = hex_words ? text::parse_u64(line.substr(0, space)) : std::nullopt;
    const auto value = hex_words ? text::parse_u64(line.substr(space)) : std::nullopt;
    if (!index || !value || *index > 0xffffffffULL) {
      return fail(ErrorKind::bad_input, "msr replay line " + std::to_string(line_no) +
                                            ": expected \"0xREGISTER 0xVALUE\", got \"" +
                                            text::printable(line, 80) + "\"");
    }
    values.emplace_back(static_cast<std::uint32_t>(*index), *value);
  }
  return ReplayMsr(std::move(values));
}

Result<std::uint64_t> ReplayMsr::read(std::uint32_t index) const {
  for (const auto& [reg, value] : m_values) {
    if (reg == index) {
      return value;
    }
  }
  return fail(ErrorKind::not_found, "msr " + hex32(index) + " not in replay");
}

}  // namespace ztp::host
