#include "agent/audit_stamp.h"

#include "report/digest.h"

namespace ztp::agent {

std::string classification_of(const report::Document& doc) {
  for (const char* key : {"mode", "family"}) {
    if (doc.body.contains(key) && doc.body.at(key).is_string()) {
      return doc.body.at(key).get<std::string>();
    }
  }
  return "unknown";
}

std::optional<std::string> readiness_of(const report::Document& doc) {
  if (!doc.body.contains("readiness") || !doc.body.at("readiness").is_object()) {
    return std::nullopt;
  }
  const auto& readiness = doc.body.at("readiness");
  if (!readiness.contains("verdict") || !readiness.at("verdict").is_string()) {
    return std::nullopt;
  }
  return readiness.at("verdict").get<std::string>();
}

AuditStamp::AuditStamp(audit::AuditLog log, const Clock& clock, std::chrono::seconds heartbeat,
                       log::Logger& logger, bool boot_state)
    : m_log(std::move(log)),
      m_clock(clock),
      m_heartbeat(heartbeat),
      m_logger(logger),
      m_boot_state(boot_state) {}

void AuditStamp::stamp(report::Document& doc) {
  doc.envelope.audit_head.reset();  // never part of the digest, never stale
  doc.envelope.boot_state.reset();
  const auto digest = report::content_digest(doc);
  const auto now = m_clock.monotonic_now();
  if (digest) {
    const bool start = !m_last_digest.has_value();
    const bool change = !start && *m_last_digest != *digest;
    const bool heartbeat = !start && !change && now - m_last_append >= m_heartbeat;
    if (start || change || heartbeat) {
      const audit::AuditEntry entry{doc.envelope.probe.name,
                                    doc.envelope.node,
                                    doc.envelope.wave,
                                    doc.envelope.generated_at,
                                    *digest,
                                    classification_of(doc),
                                    readiness_of(doc),
                                    start    ? audit::Reason::start
                                    : change ? audit::Reason::change
                                             : audit::Reason::heartbeat};
      if (auto appended = m_log.append(entry)) {
        m_last_digest = *digest;
        m_last_append = now;
      }
    }
  }
  // Keeps epoch keys short-lived even when nothing is appended for a while.
  (void)m_log.roll_epoch();
  const audit::AuditHead head = m_log.head();
  if (head.stalled != m_was_stalled) {
    // The reason names an errno and the log directory, never the node or the document.
    if (head.stalled) {
      m_logger.error("audit.stalled", {{"reason", head.reason}});
    } else {
      m_logger.info("audit.resumed", {{"seq", head.seq}});
    }
    m_was_stalled = head.stalled;
  }
  doc.envelope.audit_head = audit::envelope_head(head);
  if (m_boot_state) {
    const audit::BootState& boot = m_log.boot_state();
    doc.envelope.boot_state = report::BootStateRef{boot.quoted, boot.changed_at, boot.since};
  }
}

}  // namespace ztp::agent
