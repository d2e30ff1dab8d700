#pragma once
// A recording of what a probe read through the host view, for `--capture` (issue 12).
// The decorators sit on the three seams, so a capture can only hold what the probe read;
// of that, it keeps only what the probe's parsers use (CaptureRules, supplied by each
// detector): the rest of a file, an MSR's other bits, entry names nobody looks at are
// dropped while recording, before anything is stored.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "host/host_view.h"

namespace ztp::host {

// What a capture keeps of a file's contents, and why (for the manifest).
struct KeptContents {
  std::string contents;
  std::string why;
};

// Each detector says what of its reads its parsers use. An unset member keeps nothing:
// contents are withheld, no entry name is kept, MSR values are masked to zero.
struct CaptureRules {
  std::function<std::optional<KeptContents>(std::string_view path, std::string_view contents)>
      contents;
  std::function<std::vector<std::string>(std::string_view dir, std::vector<std::string> names)>
      names;
  std::function<std::uint64_t(std::uint32_t msr)> msr_mask;
  // Why the probe looks at a path, for the manifest; empty when the detector has no entry.
  std::function<std::string(std::string_view path)> purpose;
};

enum class Access { exists, read, read_at, list };
std::string_view to_string(Access a);

struct PathRecord {
  Access access = Access::exists;
  std::string path;      // as the probe asked
  std::string resolved;  // the same path with every symlink resolved inside the root
  bool present = false;
  std::optional<Error> error;        // an answer other than present/absent (EACCES, EIO)
  std::optional<KeptContents> kept;  // read: the part stored; nullopt = withheld
  std::size_t bytes_seen = 0;        // read: how much the probe got
  std::vector<std::string> names;    // list: the names kept
  std::size_t names_seen = 0;        // list: how many the probe got
};

struct LinkRecord {
  std::string path;  // symlink-free parent + the link's name
  std::string target;
};

struct MsrRecord {
  std::uint32_t index = 0;
  std::optional<std::uint64_t> masked;  // nullopt: unreadable
  std::uint64_t mask = 0;
  std::string error;
};

struct Recording {
  std::vector<PathRecord> paths;  // in the order the probe asked
  std::vector<LinkRecord> links;  // each link once
  bool cpuid_available = false;
  bool cpuid_asked = false;
  std::vector<ReplayCpuid::Entry> cpuid;  // each (leaf, subleaf) once, in query order
  std::vector<MsrRecord> msrs;
};

class RecordingFileSource final : public FileSource {
 public:
  RecordingFileSource(const FileSource& inner, const CaptureRules& rules, Recording& out)
      : m_inner(inner), m_rules(rules), m_out(out) {}

  Result<std::string> read(std::string_view path, std::size_t max_bytes = 4096) const override;
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::size_t length) const override;
  Result<bool> exists(std::string_view path) const override;
  Result<std::vector<std::string>> list(std::string_view dir) const override;
  Result<std::optional<std::string>> read_link(std::string_view path) const override {
    return m_inner.read_link(path);
  }

 private:
  PathRecord& start(Access access, std::string_view path) const;
  std::string resolve(std::string_view path) const;
  void note_link(const std::string& path, const std::string& target) const;

  const FileSource& m_inner;
  const CaptureRules& m_rules;
  Recording& m_out;
};

class RecordingCpuid final : public CpuidSource {
 public:
  RecordingCpuid(const CpuidSource& inner, Recording& out) : m_inner(inner), m_out(out) {}
  bool available() const override;
  CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf = 0) const override;

 private:
  const CpuidSource& m_inner;
  Recording& m_out;
};

class RecordingMsr final : public MsrSource {
 public:
  RecordingMsr(const MsrSource& inner, const CaptureRules& rules, Recording& out)
      : m_inner(inner), m_rules(rules), m_out(out) {}
  Result<std::uint64_t> read(std::uint32_t index) const override;

 private:
  const MsrSource& m_inner;
  const CaptureRules& m_rules;
  Recording& m_out;
};

// A host view whose three sources record into one Recording.
class RecordingHost {
 public:
  RecordingHost(const HostView& inner, CaptureRules rules)
      : m_rules(std::move(rules)),
        m_files(inner.files, m_rules, m_recording),
        m_cpuid(inner.cpuid, m_recording),
        m_msr(inner.msr, m_rules, m_recording) {}
  RecordingHost(const RecordingHost&) = delete;
  RecordingHost& operator=(const RecordingHost&) = delete;

  HostView view() const { return HostView{m_files, m_cpuid, m_msr}; }
  const Recording& recording() const { return m_recording; }

 private:
  CaptureRules m_rules;
  Recording m_recording;
  RecordingFileSource m_files;
  RecordingCpuid m_cpuid;
  RecordingMsr m_msr;
};

}  // namespace ztp::host
