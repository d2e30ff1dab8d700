#pragma once
// CPUID of the inspected host: the instruction itself, or a replay of
// `cpuid -r -1` output (Debian package "cpuid") so any CPU can be tested here.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ztp::host {

struct CpuidRegs {
  std::uint32_t eax = 0;
  std::uint32_t ebx = 0;
  std::uint32_t ecx = 0;
  std::uint32_t edx = 0;
  friend bool operator==(const CpuidRegs&, const CpuidRegs&) = default;
};

class CpuidSource {
 public:
  virtual ~CpuidSource() = default;
  // false where the host has no CPUID at all (arm64, s390x, an empty replay).
  virtual bool available() const = 0;
  // Raw registers; all zeros when unavailable. Callers check the maximum leaf
  // (leaf 0, 0x40000000, 0x80000000) first, as the architecture requires.
  virtual CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf = 0) const = 0;
};

// Executes the instruction; reports unavailable when built for a non-x86 target.
// Answers are remembered: the leaves probes read do not change while the machine runs,
// and inside a VM every CPUID is a VM exit (about 5 us on the Firecracker VM we
// measured), more than a whole warm detection pass spends elsewhere.
class NativeCpuid final : public CpuidSource {
 public:
  bool available() const override;
  CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf = 0) const override;

 private:
  struct Remembered {
    std::uint32_t leaf;
    std::uint32_t subleaf;
    CpuidRegs regs;
  };
  mutable std::vector<Remembered> m_remembered;
};

// A recorded CPU. Leaves not in the recording read as zeros.
class ReplayCpuid final : public CpuidSource {
 public:
  struct Entry {
    std::uint32_t leaf;
    std::uint32_t subleaf;
    CpuidRegs regs;
  };

  // Parses `cpuid -r -1` text: an optional "CPU:" (or "CPU N:") header, then lines
  // "   0x8000001f 0x00: eax=0x... ebx=0x... ecx=0x... edx=0x...". Only the first CPU's
  // block is kept. Empty text means "no CPUID". Errors name the offending line.
  static Result<ReplayCpuid> parse(std::string_view text);

  bool available() const override { return !m_entries.empty(); }
  CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf = 0) const override;
  const std::vector<Entry>& entries() const { return m_entries; }

 private:
  explicit ReplayCpuid(std::vector<Entry> entries) : m_entries(std::move(entries)) {}
  std::vector<Entry> m_entries;  // sorted by (leaf, subleaf)
};

}  // namespace ztp::host
