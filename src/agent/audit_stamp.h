#pragma once
// Puts each produced document on the node's sealed audit log (src/audit) and cites the
// chain head in the document (auditHead), before any sink publishes it. Appends on start,
// on every change of the content digest, and when the audit heartbeat is due; an append
// is durable before it returns, so a published auditHead never cites a record a crash
// can take back. A failing log (ENOSPC, read-only) never stops probing or publishing:
// the document then says "state": "stalled".

#include <chrono>
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "common/clock.h"
#include "common/log.h"
#include "report/document.h"

namespace ztp::agent {

class AuditStamp {
 public:
  // boot_state: also cite the log's boot state (bootState) in each document: the TPM
  // agent does, with or without --quote-pcrs ("quoted": false says records are not quoted).
  AuditStamp(audit::AuditLog log, const Clock& clock, std::chrono::seconds heartbeat,
             log::Logger& logger, bool boot_state = false);

  void stamp(report::Document& doc);

  const audit::AuditLog& log() const { return m_log; }

 private:
  audit::AuditLog m_log;
  const Clock& m_clock;
  std::chrono::seconds m_heartbeat;
  log::Logger& m_logger;
  bool m_boot_state;
  std::optional<std::string> m_last_digest;
  std::chrono::steady_clock::time_point m_last_append{};
  bool m_was_stalled = false;
};

// "mode" (CCStatus) or "family" (TPMStatus); the TPM readiness verdict when present.
std::string classification_of(const report::Document& doc);
std::optional<std::string> readiness_of(const report::Document& doc);

}  // namespace ztp::agent
