#pragma once
// The one abstraction through which every probe reads the machine.

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "host/cpuid_source.h"
#include "host/file_source.h"
#include "host/msr_source.h"

namespace ztp::host {

// What a detector receives: three read-only sources, each replaceable.
struct HostView {
  const FileSource& files;
  const CpuidSource& cpuid;
  const MsrSource& msr;
};

struct HostOptions {
  std::string root = "/";                 // --host-root
  std::optional<std::string> cpuid_file;  // --cpuid-file: replay instead of the instruction
  std::optional<std::string> msr_file;    // --msr-file: replay instead of /dev/cpu/0/msr
};

// Owns the sources a HostView points into. Building it reads the replay files,
// so every bad input is reported before detection starts.
class Host {
 public:
  static Result<Host> open(const HostOptions& options);
  HostView view() const { return HostView{*m_files, *m_cpuid, *m_msr}; }

 private:
  Host() = default;
  std::unique_ptr<FileSource> m_files;
  std::unique_ptr<CpuidSource> m_cpuid;
  std::unique_ptr<MsrSource> m_msr;
};

}  // namespace ztp::host
