#pragma once
// Where the boot state (the quoted PCR digest) changed along a log: one pass over its
// entry records. The agent publishes the result as bootState (never the digest: PCR1
// holds SMBIOS data, so a digest over PCR0..7 can identify one machine; research note
// attest.md rule R7); `show` marks each change.

#include <chrono>
#include <cstdint>
#include <optional>

#include "audit/record.h"

namespace ztp::audit {

struct BootState {
  bool quoted = false;                                         // the last entry carried a quote
  std::optional<std::uint64_t> changed_at;                     // seq where the digest last changed
  std::optional<std::chrono::system_clock::time_point> since;  // first record of this digest
};

class BootTracker {
 public:
  // Feeds one record in log order; true when it is quoted and its digest differs from the
  // previous quoted record's (the boot state changed at this seq).
  bool observe(const Record& record);
  const BootState& state() const { return m_state; }

 private:
  BootState m_state;
  std::optional<Bytes32> m_digest;
};

}  // namespace ztp::audit
