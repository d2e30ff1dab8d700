#include "host/host_view.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ztp::host {

Result<std::string> read_local_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorKind::bad_input, "cannot read '" + path + "': " + std::strerror(errno));
  }
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) {
    return fail(ErrorKind::bad_input,
                "'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

Result<Host> Host::open(const HostOptions& options) {
  // Replay files are small text; 1 MiB is far above any real `cpuid -r -1` dump.
  constexpr std::size_t k_replay_limit = 1 << 20;
  Host host;
  auto files = RootFileSource::open(options.root);
  if (!files) {
    return tl::unexpected(files.error());
  }
  host.m_files = std::make_unique<RootFileSource>(std::move(*files));

  if (options.cpuid_file) {
    auto text = read_local_file(*options.cpuid_file, k_replay_limit);
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
    auto text = read_local_file(*options.msr_file, k_replay_limit);
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
