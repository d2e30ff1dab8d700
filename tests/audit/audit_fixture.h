#pragma once
// A fresh audit log in a temp dir, a fixed clock, and helpers to read, rewrite and
// forge its lines the way an attacker with (or without) a stolen key would.

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "testlib/fixed_clock.h"
#include "testlib/json_lines.h"
#include "testlib/temp_tree.h"

namespace ztp::audit::testing {

inline AuditEntry sample_entry(int i, Reason reason = Reason::heartbeat) {
  AuditEntry e;
  e.probe = "ztp-prem-detect";
  e.node = "worker-1";
  e.wave = "w42";
  e.generated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1778580000 + i));
  e.digest = "sha256:" + std::string(63, 'a') + static_cast<char>('0' + i % 10);
  e.classification = i % 2 == 0 ? "sev-snp" : "none";
  e.readiness = "ready";
  e.reason = reason;
  return e;
}

class LogFixture {
 public:
  explicit LogFixture(std::chrono::seconds epoch = std::chrono::seconds(900),
                      std::string name = "log")
      : m_dir(m_tree.root() / name) {
    auto key = AuditLog::setup(m_dir, epoch, m_clock);
    EXPECT_TRUE(key) << (key ? "" : key.error().message);
    m_key_text = key.value_or("");
    m_k0 = parse_verification_key(m_key_text).value_or(Bytes32{});
  }

  AuditLog open(AuditOptions options = {}) {
    options.logger = &m_logger;
    auto log = AuditLog::open(m_dir, KeySource::state_file(), m_clock, std::move(options));
    EXPECT_TRUE(log) << (log ? "" : log.error().message);
    return std::move(*log);
  }

  // Appends n entries, advancing the clock by step before each.
  AuditHead append(AuditLog& log, int n, std::chrono::seconds step = std::chrono::seconds(300)) {
    AuditHead head;
    for (int i = 0; i < n; ++i) {
      m_clock.advance(step);
      auto h = log.append(sample_entry(m_count++));
      EXPECT_TRUE(h) << (h ? "" : h.error().message);
      if (h) {
        head = *h;
      }
    }
    return head;
  }

  VerifyReport verify(const std::optional<Witness>& witness = std::nullopt) const {
    auto report = verify_log(m_dir, m_k0, witness, m_clock);
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    return report.value_or(VerifyReport{});
  }

  std::filesystem::path segment(int index = 1) const { return m_dir / segment_file(index); }
  static std::string segment_file(int index);
  std::vector<std::string> lines(int index = 1) const;
  void write_lines(const std::vector<std::string>& lines, int index = 1) const;
  // The current epoch key, as an attacker who owns the node reads it (log must be closed).
  Bytes32 steal_key() const;

  const std::filesystem::path& dir() const { return m_dir; }
  const Bytes32& k0() const { return m_k0; }
  const std::string& key_text() const { return m_key_text; }
  ztp::testing::FixedClock& clock() { return m_clock; }
  // The log's JSON lines (AuditOptions::logger) whose event is event.
  std::vector<nlohmann::json> log_events(const std::string& event) const {
    return ztp::testing::log_events(m_log_text.str(), event);
  }

 private:
  ztp::testing::TempTree m_tree;
  ztp::testing::FixedClock m_clock;
  std::filesystem::path m_dir;
  std::string m_key_text;
  Bytes32 m_k0{};
  int m_count = 0;
  std::ostringstream m_log_text;
  log::Logger m_logger{m_log_text, m_clock};
};

// Re-hashes and re-seals a record with key, as a key holder could.
std::string forge(Record record, const Bytes32& key);
Record parse(const std::string& line);
Witness witness_of(const AuditHead& head);
std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace ztp::audit::testing
