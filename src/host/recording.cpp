#include "host/recording.h"

#include <algorithm>
#include <deque>

namespace ztp::host {
namespace {

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) {
      out.emplace_back(part);
    }
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out.append("/").append(p);
  }
  return out.empty() ? std::string("/") : out;
}

// Linux follows at most 40 links in one lookup (fs/namei.c MAXSYMLINKS).
constexpr int k_max_links = 40;

}  // namespace

std::string_view to_string(Access a) {
  switch (a) {
    case Access::exists:
      return "exists";
    case Access::read:
      return "read";
    case Access::read_at:
      return "read_at";
    case Access::list:
      return "list";
  }
  return "exists";
}

// The path as the kernel would resolve it below the root (openat2 RESOLVE_IN_ROOT: ".."
// never climbs above the root, an absolute target restarts at the root), noting each
// link on the way so the capture can recreate it.
std::string RecordingFileSource::resolve(std::string_view path) const {
  std::vector<std::string> real;
  std::deque<std::string> todo;
  for (auto& c : components(path)) {
    todo.push_back(std::move(c));
  }
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") {
      continue;
    }
    if (c == "..") {
      if (!real.empty()) {
        real.pop_back();
      }
      continue;
    }
    real.push_back(c);
    const std::string candidate = joined(real);
    auto target = m_inner.read_link(candidate);
    if (!target || !*target || ++links > k_max_links) {
      continue;  // not a link (or cannot tell): a plain component
    }
    note_link(candidate, **target);
    real.pop_back();
    if (!target->value().empty() && target->value().front() == '/') {
      real.clear();
    }
    auto parts = components(**target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return joined(real);
}

void RecordingFileSource::note_link(const std::string& path, const std::string& target) const {
  const bool known = std::any_of(m_out.links.begin(), m_out.links.end(),
                                 [&](const LinkRecord& l) { return l.path == path; });
  if (!known) {
    m_out.links.push_back({path, target});
  }
}

PathRecord& RecordingFileSource::start(Access access, std::string_view path) const {
  PathRecord record;
  record.access = access;
  record.path = std::string(path);
  record.resolved = resolve(path);
  m_out.paths.push_back(std::move(record));
  return m_out.paths.back();
}

namespace {

// Records a failed answer: absent is a value, anything else is kept as the error.
template <class T>
void note_outcome(PathRecord& record, const Result<T>& result) {
  if (result) {
    record.present = true;
  } else if (result.error().kind != ErrorKind::not_found) {
    record.error = result.error();
  }
}

}  // namespace

Result<std::string> RecordingFileSource::read(std::string_view path, std::size_t max_bytes) const {
  auto result = m_inner.read(path, max_bytes);
  PathRecord& record = start(Access::read, path);
  note_outcome(record, result);
  if (result) {
    record.bytes_seen = result->size();
    if (m_rules.contents) {
      record.kept = m_rules.contents(path, *result);
    }
  }
  return result;
}

Result<std::string> RecordingFileSource::read_at(std::string_view path, std::uint64_t offset,
                                                 std::size_t length) const {
  // Device registers: the capture notes that the file answered, never what it said.
  auto result = m_inner.read_at(path, offset, length);
  note_outcome(start(Access::read_at, path), result);
  return result;
}

Result<bool> RecordingFileSource::exists(std::string_view path) const {
  auto result = m_inner.exists(path);
  PathRecord& record = start(Access::exists, path);
  if (!result) {
    record.error = result.error();
  } else {
    record.present = *result;
  }
  return result;
}

Result<std::vector<std::string>> RecordingFileSource::list(std::string_view dir) const {
  auto result = m_inner.list(dir);
  PathRecord& record = start(Access::list, dir);
  note_outcome(record, result);
  if (result) {
    record.names_seen = result->size();
    if (m_rules.names) {
      record.names = m_rules.names(dir, *result);
    }
  }
  return result;
}

bool RecordingCpuid::available() const {
  m_out.cpuid_asked = true;
  m_out.cpuid_available = m_inner.available();
  return m_out.cpuid_available;
}

CpuidRegs RecordingCpuid::query(std::uint32_t leaf, std::uint32_t subleaf) const {
  const CpuidRegs regs = m_inner.query(leaf, subleaf);
  const bool known = std::any_of(m_out.cpuid.begin(), m_out.cpuid.end(), [&](const auto& e) {
    return e.leaf == leaf && e.subleaf == subleaf;
  });
  if (!known) {
    m_out.cpuid.push_back({leaf, subleaf, regs});
  }
  return regs;
}

Result<std::uint64_t> RecordingMsr::read(std::uint32_t index) const {
  auto value = m_inner.read(index);
  MsrRecord record;
  record.index = index;
  record.mask = m_rules.msr_mask ? m_rules.msr_mask(index) : 0;
  if (value) {
    record.masked = *value & record.mask;
  } else {
    record.error = value.error().message;
  }
  m_out.msrs.push_back(std::move(record));
  return value;
}

}  // namespace ztp::host
