#pragma once
// Sinks that write files: stdout, the fleet directory, NFD's features.d.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

#include "common/result.h"
#include "publish/sink.h"

namespace ztp::publish {

// Prints the JSON document (the one-shot behaviour, and `--publish stdout`).
Sink stdout_sink(std::ostream& out);

// `--publish dir:PATH`: PATH/<node>.<key>.json, the whole document exactly as
// --format json prints it, replaced atomically. The fleet service reads these.
// Fails (bad usage) when PATH is not an existing directory.
Result<Sink> dir_sink(const std::filesystem::path& dir);
std::string dir_file_name(const Publication& p);

// `--nfd-features-dir DIR`: DIR/ztp-prem-<key>, in node-feature-discovery's
// local-source format, so NFD turns the findings into node labels.
Result<Sink> nfd_sink(const std::filesystem::path& dir, std::chrono::seconds expiry_after);

// Label namespace of our NFD features (NFD accepts any namespace outside kubernetes.io).
inline constexpr std::string_view k_nfd_label_prefix = "ztp-prem.tlsstress.art";

// The feature file for p. Every scalar of the document body becomes one line
// "<prefix>/<key>.<path>=<value>" (arrays of strings: one "=true" line per item);
// names and values that are not valid label names/values are left out.
// expires: "# +expiry-time=" directive so NFD drops the labels of a dead agent.
std::string nfd_feature_file(const Publication& p, std::chrono::system_clock::time_point expires);

// Kubernetes label value syntax: empty, or at most 63 of [A-Za-z0-9._-]
// beginning and ending alphanumeric (k8s.io/docs/concepts/overview/working-with-objects/labels).
bool valid_label_value(std::string_view v);
// The name part of a label key: the same syntax, but not empty.
bool valid_label_name(std::string_view v);

}  // namespace ztp::publish
