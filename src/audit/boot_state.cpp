#include "audit/boot_state.h"

namespace ztp::audit {

bool BootTracker::observe(const Record& record) {
  if (record.type != RecordType::entry) {
    return false;
  }
  if (!record.boot) {
    m_state.quoted = false;
    return false;
  }
  m_state.quoted = true;
  const Bytes32& digest = record.boot->pcr_digest;
  if (!m_digest) {
    m_digest = digest;
    m_state.since = record.time;
    return false;
  }
  if (equal(*m_digest, digest)) {
    return false;
  }
  m_digest = digest;
  m_state.changed_at = record.seq;
  m_state.since = record.time;
  return true;
}

}  // namespace ztp::audit
