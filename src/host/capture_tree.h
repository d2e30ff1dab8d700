#pragma once
// Turns a Recording into the files of a replayable host profile: root/ exactly as the
// probe saw it, and the CPUID and MSR replay files the host view already reads.

#include <string>
#include <vector>

#include "host/recording.h"

namespace ztp::host {

struct TreeEntry {
  enum class Kind { directory, file, symlink };
  Kind kind = Kind::file;
  std::string path;  // relative, "/"-separated ("root/sys/class/tpm")
  std::string data;  // file contents, or the symlink's target
};

// The root/ tree below `prefix` ("root"): directories the probe listed or went through,
// the names it listed (as empty files), the links it followed, files it read with the
// kept part of their contents, and paths it only tested as empty files. Parents come
// before children; nothing lies below a symlink, so writing it never follows one.
std::vector<TreeEntry> root_tree(const Recording& recording, const std::string& prefix);

// `cpuid -r -1` text of the leaves queried (ReplayCpuid::parse reads it back); empty
// when the host had no CPUID.
std::string cpuid_replay_text(const Recording& recording);

// "0xREG 0xVALUE" lines of the registers read, masked (ReplayMsr::parse); empty when
// no register could be read.
std::string msr_replay_text(const Recording& recording);

}  // namespace ztp::host
