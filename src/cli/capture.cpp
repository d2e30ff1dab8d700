#include "cli/capture.h"

#include <sys/utsname.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "host/recording.h"

namespace ztp::cli {
namespace {

using host::TreeEntry;
using nlohmann::ordered_json;

// Bumped when the layout changes; scripts/import-capture checks it.
constexpr int k_capture_format = 1;

std::string hex(std::uint64_t v, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

std::string seen(const host::PathRecord& r) {
  if (r.error) {
    return "error: " + r.error->message;
  }
  if (!r.present) {
    return "absent";
  }
  switch (r.access) {
    case host::Access::read:
      return std::to_string(r.bytes_seen) + " bytes, " +
             std::to_string(r.kept ? r.kept->contents.size() : 0) + " kept";
    case host::Access::list:
      return std::to_string(r.names_seen) + " entries, " + std::to_string(r.names.size()) +
             " names kept";
    case host::Access::exists:
    case host::Access::read_at:
      break;
  }
  return "present";
}

std::string kept(const host::PathRecord& r) {
  switch (r.access) {
    case host::Access::exists:
      return "presence only";
    case host::Access::list:
      return "entry names only";
    case host::Access::read_at:
      return "presence only (a device register)";
    case host::Access::read:
      break;
  }
  return r.kept ? r.kept->why : "nothing: no capture rule covers this file";
}

ordered_json path_list(const host::Recording& rec, const host::CaptureRules& rules) {
  ordered_json paths = ordered_json::array();
  for (const auto& r : rec.paths) {
    ordered_json p;
    p["path"] = r.path;
    if (r.resolved != r.path) {
      p["resolved"] = r.resolved;
    }
    p["access"] = std::string(host::to_string(r.access));
    p["seen"] = seen(r);
    const std::string purpose = rules.purpose ? rules.purpose(r.path) : std::string();
    p["why"] = purpose.empty() ? "(no purpose declared)" : purpose;
    p["kept"] = kept(r);
    paths.push_back(std::move(p));
  }
  return paths;
}

ordered_json cpu_part(const host::Recording& rec) {
  ordered_json cpuid;
  cpuid["available"] = rec.cpuid_available;
  ordered_json leaves = ordered_json::array();
  for (const auto& e : rec.cpuid) {
    leaves.push_back(hex(e.leaf, 8) + "/" + hex(e.subleaf, 2));
  }
  cpuid["leaves"] = std::move(leaves);
  return cpuid;
}

ordered_json msr_part(const host::Recording& rec) {
  ordered_json msrs = ordered_json::array();
  for (const auto& m : rec.msrs) {
    ordered_json j;
    j["register"] = hex(m.index, 8);
    j["mask"] = hex(m.mask, 1);
    j["seen"] = m.masked ? std::string("read, masked") : "unreadable: " + m.error;
    msrs.push_back(std::move(j));
  }
  return msrs;
}

std::string replay_command(const ProbeSpec& spec, bool msr_file) {
  std::string cmd = spec.name + " --host-root root";
  if (spec.reads_cpu) {
    cmd += " --cpuid-file cpuid.txt";
  }
  if (msr_file) {
    cmd += " --msr-file msr.txt";
  }
  return cmd;
}

// uname(2) of the kernel the probe ran on: in a pod, the node's. Never the node name.
ordered_json kernel_part() {
  ordered_json k;
  struct utsname u {};
  if (::uname(&u) == 0) {
    k["release"] = u.release;
    k["architecture"] = u.machine;
  }
  return k;
}

std::string manifest(const ProbeSpec& spec, const host::Recording& rec,
                     const host::CaptureRules& rules, bool msr_file) {
  ordered_json m;
  m["captureFormat"] = k_capture_format;
  m["probe"] = {{"name", spec.name}, {"version", ZTP_VERSION}};
  m["kernel"] = kernel_part();
  m["replay"] = replay_command(spec, msr_file);
  m["paths"] = path_list(rec, rules);
  ordered_json links = ordered_json::array();
  for (const auto& l : rec.links) {
    links.push_back({{"path", l.path}, {"target", l.target}});
  }
  m["links"] = std::move(links);
  if (spec.reads_cpu) {
    m["cpuid"] = cpu_part(rec);
    m["msr"] = msr_part(rec);
  }
  return m.dump(2) + "\n";
}

// The golden tests' expected.json: the document's classification fields and signals.
ordered_json expected(const report::Document& doc) {
  ordered_json e = doc.body;
  ordered_json signals = ordered_json::object();
  for (const auto& [name, value] : doc.findings.signals) {
    signals[std::string(name)] = value;
  }
  e["signals"] = std::move(signals);
  return e;
}

std::string readme(const ProbeSpec& spec, const report::Document& doc) {
  std::string said;
  for (const auto& [key, value] : doc.body.items()) {
    said += (said.empty() ? "" : ", ") + key + " " + value.dump();
  }
  const ordered_json kernel = kernel_part();
  return "REPLACE THIS LINE: which machine this is, in one line (vendor and model, or cloud and "
         "instance type; hypervisor; OS and kernel).\n\n"
         "Captured by `" +
         spec.name + " --capture` " + ZTP_VERSION + " on Linux " + kernel.value("release", "?") +
         " (" + kernel.value("architecture", "?") + "). The probe said: " + said +
         ".\n\n"
         "- what it should say, and why: REPLACE (link the public source: cloud or vendor "
         "documentation, kernel source)\n"
         "- how the node runs: REPLACE (bare metal, VM or pod; instance type; firmware settings)\n"
         "- capture.json lists every path the probe read and why; only the parts its parsers "
         "use were kept.\n";
}

TreeEntry file(std::string path, std::string data) {
  return {TreeEntry::Kind::file, std::move(path), std::move(data)};
}

}  // namespace

void add_capture_flag(CLI::App& app, std::optional<std::string>& target) {
  app.add_option("--capture", target,
                 "Also write what the probe read as a replayable host profile to DIR (new or "
                 "empty), or as a tar stream to stdout with '-' (the document then goes to "
                 "stderr)");
}

std::ostream& capture_output_stream(const std::string& target, std::ostream& out,
                                    std::ostream& err) {
  return target == "-" ? err : out;
}

std::vector<TreeEntry> capture_entries(const ProbeSpec& spec, const host::CaptureRules& rules,
                                       const host::Recording& recording,
                                       const report::Document& doc) {
  const std::string msr = msr_replay_text(recording);
  std::vector<TreeEntry> entries;
  entries.push_back(file("capture.json", manifest(spec, recording, rules, !msr.empty())));
  entries.push_back(file("README.md", readme(spec, doc)));
  entries.push_back(file("expected.json", expected(doc).dump(2) + "\n"));
  if (spec.reads_cpu) {
    entries.push_back(file("cpuid.txt", cpuid_replay_text(recording)));
  }
  if (!msr.empty()) {
    entries.push_back(file("msr.txt", msr));
  }
  for (auto& e : host::root_tree(recording, "root")) {
    entries.push_back(std::move(e));
  }
  return entries;
}

int run_capture(const std::string& target, const ProbeSpec& spec, const host::HostView& live,
                report::Envelope envelope, const std::string& format, std::ostream& out,
                std::ostream& err) {
  const host::CaptureRules rules = spec.capture_rules ? spec.capture_rules() : host::CaptureRules{};
  const host::RecordingHost recorder(live, rules);
  const report::Document doc = spec.detect(recorder.view(), std::move(envelope));
  if (const int printed = print_document(doc, format, capture_output_stream(target, out, err));
      printed != k_exit_ok) {
    return printed;
  }
  const auto entries = capture_entries(spec, rules, recorder.recording(), doc);
  const auto written =
      target == "-" ? write_capture_tar(out, entries) : write_capture_dir(target, entries);
  if (!written) {
    err << spec.name << ": --capture: " << written.error().message << "\n";
    return written.error().kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
  }
  return k_exit_ok;
}

}  // namespace ztp::cli
