#pragma once
// Model-specific registers of the inspected host: the msr driver's device
// (needs root, CAP_SYS_RAWIO and the msr module; a pod rarely has all three)
// or a replay file of "0xc0010131 0x0000000000000007" lines.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "host/file_source.h"

namespace ztp::host {

class MsrSource {
 public:
  virtual ~MsrSource() = default;
  // An error means "unreadable" (no device, no permission, register not recorded).
  virtual Result<std::uint64_t> read(std::uint32_t index) const = 0;
};

// pread of 8 bytes at offset = register index on <root>/dev/cpu/0/msr
// (Linux arch/x86/kernel/msr.c).
class DeviceMsr final : public MsrSource {
 public:
  explicit DeviceMsr(const FileSource& files) : m_files(files) {}
  Result<std::uint64_t> read(std::uint32_t index) const override;

 private:
  const FileSource& m_files;
};

class ReplayMsr final : public MsrSource {
 public:
  // One "0x<register> 0x<value>" pair per line; blank lines allowed; errors name the line.
  static Result<ReplayMsr> parse(std::string_view text);
  Result<std::uint64_t> read(std::uint32_t index) const override;

 private:
  explicit ReplayMsr(std::vector<std::pair<std::uint32_t, std::uint64_t>> values)
      : m_values(std::move(values)) {}
  std::vector<std::pair<std::uint32_t, std::uint64_t>> m_values;
};

}  // namespace ztp::host
