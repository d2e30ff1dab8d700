#include "host/capture_tree.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace ztp::host {
namespace {

// Stronger kinds win where two records name one path: a link over the directory seen
// through it, a directory over a file, contents over an existence check.
enum class Rank { tested, contents, directory, symlink };

struct Node {
  Rank rank = Rank::tested;
  std::string data;
};

class Tree {
 public:
  void put(const std::string& path, Rank rank, std::string data = {}) {
    if (path == "/" || path.empty()) {
      return;
    }
    put_parents(path);
    Node& node = m_nodes[path];  // a new node ranks lowest (tested, no data)
    if (node.rank < rank || (node.rank == rank && node.data.empty())) {
      node = Node{rank, std::move(data)};
    }
  }

  std::vector<TreeEntry> entries(const std::string& prefix) const {
    std::vector<TreeEntry> out;
    out.push_back({TreeEntry::Kind::directory, prefix, {}});
    std::vector<std::string> links;          // nothing below a link is written
    for (const auto& item : m_nodes) {       // sorted: parents first
      const std::string& path = item.first;  // not a structured binding: clang 14's lambdas
      const Node& node = item.second;
      const bool below_link = std::any_of(links.begin(), links.end(), [&](const auto& l) {
        return path.size() > l.size() && path.compare(0, l.size(), l) == 0 && path[l.size()] == '/';
      });
      if (below_link) {
        continue;
      }
      TreeEntry e;
      e.path = prefix + path;
      e.data = node.data;
      switch (node.rank) {
        case Rank::symlink:
          e.kind = TreeEntry::Kind::symlink;
          links.push_back(path);
          break;
        case Rank::directory:
          e.kind = TreeEntry::Kind::directory;
          break;
        case Rank::contents:
        case Rank::tested:
          e.kind = TreeEntry::Kind::file;
          break;
      }
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  void put_parents(const std::string& path) {
    for (auto slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      auto [it, inserted] = m_nodes.try_emplace(path.substr(0, slash), Node{Rank::directory, {}});
      if (!inserted && it->second.rank < Rank::directory) {
        it->second = Node{Rank::directory, {}};
      }
    }
  }

  std::map<std::string, Node> m_nodes;  // absolute host paths
};

// A listed name becomes a path component: nothing that could climb or nest.
bool usable_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

std::string child(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

}  // namespace

std::vector<TreeEntry> root_tree(const Recording& recording, const std::string& prefix) {
  Tree tree;
  for (const auto& r : recording.paths) {
    if (!r.present) {
      continue;  // absent paths are absent in the capture too
    }
    switch (r.access) {
      case Access::exists:
      case Access::read_at:
        tree.put(r.resolved, Rank::tested);
        break;
      case Access::read:
        tree.put(r.resolved, Rank::contents, r.kept ? r.kept->contents : std::string());
        break;
      case Access::list:
        tree.put(r.resolved, Rank::directory);
        for (const auto& name : r.names) {
          if (usable_name(name)) {
            tree.put(child(r.resolved, name), Rank::tested);
          }
        }
        break;
    }
  }
  for (const auto& link : recording.links) {
    tree.put(link.path, Rank::symlink, link.target);
  }
  return tree.entries(prefix);
}

std::string cpuid_replay_text(const Recording& recording) {
  if (!recording.cpuid_available || recording.cpuid.empty()) {
    return {};
  }
  auto entries = recording.cpuid;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.leaf != b.leaf ? a.leaf < b.leaf : a.subleaf < b.subleaf;
  });
  std::string out = "CPU:\n";
  char line[96];
  for (const auto& e : entries) {
    std::snprintf(line, sizeof line,
                  "   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", e.leaf,
                  e.subleaf, e.regs.eax, e.regs.ebx, e.regs.ecx, e.regs.edx);
    out += line;
  }
  return out;
}

std::string msr_replay_text(const Recording& recording) {
  std::string out;
  std::vector<std::uint32_t> written;  // the replay keeps a register's first value
  char line[48];
  for (const auto& m : recording.msrs) {
    if (m.masked && std::find(written.begin(), written.end(), m.index) == written.end()) {
      written.push_back(m.index);
      std::snprintf(line, sizeof line, "0x%08x 0x%016llx\n", m.index,
                    static_cast<unsigned long long>(*m.masked));
      out += line;
    }
  }
  return out;
}

}  // namespace ztp::host
