#include "host/host_view.h"

#include "common/posix_file.h"

namespace ztp::host {

namespace {

// A replay file that cannot be used is bad input (exit 2), whatever the reason: a
// directory, a FIFO or an EIO never becomes an empty replay ("this host has no CPUID").
Result<std::string> read_replay_file(const std::string& path) {
  // Replay files are small text; 1 MiB is far above any real `cpuid -r -1` dump.
  constexpr std::size_t k_replay_limit = 1 << 20;
  auto text = read_local_file(path, k_replay_limit);
  if (!text) {
    return fail(ErrorKind::bad_input, text.error().message);
  }
  return text;
}

}  // namespace

Result<Host> Host::open(const HostOptions& options) {
  Host host;
  auto files = RootFileSource::open(options.root);
  if (!files) {
    return tl::unexpected(files.error());
  }
  host.m_files = std::make_unique<RootFileSource>(std::move(*files));

  if (options.cpuid_file) {
    auto text = read_replay_file(*options.cpuid_file);
    if (!text) {
      return tl::unexpected(text.error());
    }
    auto replay = ReplayCpuid::parse(*text);
    if (!replay) {
      return fail(ErrorKind::bad_input, *options.cpuid_file + ": " + replay.error().message);
    }
    host.m_cpuid = std::make_unique<ReplayCpuid>(std::move(*replay));
  } else {
    host.m_cpuid = std::make_unique<NativeCpuid>();
  }

  if (options.msr_file) {
    auto text = read_replay_file(*options.msr_file);
    if (!text) {
      return tl::unexpected(text.error());
    }
    auto replay = ReplayMsr::parse(*text);
    if (!replay) {
      return fail(ErrorKind::bad_input, *options.msr_file + ": " + replay.error().message);
    }
    host.m_msr = std::make_unique<ReplayMsr>(std::move(*replay));
  } else {
    host.m_msr = std::make_unique<DeviceMsr>(*host.m_files);
  }
  return host;
}

}  // namespace ztp::host
