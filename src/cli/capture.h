#pragma once
// `--capture DIR|-` for both probes (issue 12): one normal detection through a recording
// host view, the normal output, and a replayable, identifier-free host profile:
//   root/          what the probe looked at, as it saw it (host/capture_tree.h)
//   cpuid.txt      CC probe: the leaves it executed, `cpuid -r -1` format
//   msr.txt        CC probe, only when it read an MSR: masked to the bits the rules use
//   expected.json  the result's classification fields (the golden tests' shape)
//   capture.json   manifest: each path with why it was read, probe, kernel, architecture
//   README.md      a skeleton the reporter fills in
// With "-" the profile is a tar stream on stdout and the normal output goes to stderr.

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/probe_cli.h"
#include "host/capture_tree.h"

namespace ztp::cli {

void add_capture_flag(CLI::App& app, std::optional<std::string>& target);

// Where the normal output goes: stdout, except when the capture itself is on stdout.
std::ostream& capture_output_stream(const std::string& target, std::ostream& out,
                                    std::ostream& err);

// Detects once through a recording view of `live`, prints the document in `format` on
// capture_output_stream(), then writes the capture. 0, or 2 when the target is not an
// empty or new directory or cannot be written (the normal output is printed regardless).
int run_capture(const std::string& target, const ProbeSpec& spec, const host::HostView& live,
                report::Envelope envelope, const std::string& format, std::ostream& out,
                std::ostream& err);

// The capture's files, in writing order (exposed for tests).
std::vector<host::TreeEntry> capture_entries(const ProbeSpec& spec, const host::CaptureRules& rules,
                                             const host::Recording& recording,
                                             const report::Document& doc);

// Output: a new or empty directory, or a tar stream (libarchive, pax format).
Result<void> write_capture_dir(const std::string& dir, const std::vector<host::TreeEntry>& entries);
Result<void> write_capture_tar(std::ostream& out, const std::vector<host::TreeEntry>& entries);

}  // namespace ztp::cli
