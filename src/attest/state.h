#pragma once
// The verifier's state, `--state dir:PATH`: one JSON file per registered node, per group
// policy and per secret, each 0600 in a 0700 directory and replaced atomically
// (common/posix_file.h), so a crash never leaves half a file and `policy approve` run
// next to a serving verifier never corrupts what it reads (the server re-reads per request).
//
//   PATH/nodes/<node>.json     {node, group, akPublic, ekSha256, registeredAt, presented?}
//   PATH/policy/<group>.json   {group, approved: ["sha256:<hex>", ...]}
//   PATH/secrets/<name>.json   {name, group, value (base64)}
//
// What it deliberately does not hold: the EK certificate and the EK public key (only its
// SHA-256, to refuse a node name re-registered from another TPM), and no PCR value. The
// digests it holds are the approved boot states and each node's last presented one, which
// an operator approves with `policy approve --from-node`: they stay on the verifier.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::attest {

struct NodeRecord {
  std::string node;
  std::string group;
  std::string ak_public;  // marshalled TPM2B_PUBLIC
  std::string ek_sha256;  // hex of SHA-256 over the EK's marshalled TPM2B_PUBLIC
  std::string registered_at;
  std::optional<std::string> presented;  // "sha256:<hex>": the last quoted boot digest
};

struct GroupPolicy {
  std::string group;
  std::vector<std::string> approved;  // "sha256:<hex>", each once, in approval order
};

struct StoredSecret {
  std::string name;
  std::string group;
  std::string value;
};

// "sha256:" followed by 64 lower-case hex digits.
bool is_digest_text(std::string_view text);

class DirState {
 public:
  // spec is "dir:PATH"; PATH must exist (or be creatable) and is made 0700 with its
  // subdirectories. bad_input for any other spec.
  static Result<DirState> open(std::string_view spec);

  Result<std::optional<NodeRecord>> node(std::string_view name) const;
  Result<void> put_node(const NodeRecord& record) const;
  Result<GroupPolicy> policy(std::string_view group) const;  // absent: no approved digest
  Result<void> put_policy(const GroupPolicy& policy) const;
  Result<std::optional<StoredSecret>> secret(std::string_view name) const;
  Result<void> put_secret(const StoredSecret& secret) const;

  const std::filesystem::path& root() const { return m_root; }

 private:
  explicit DirState(std::filesystem::path root) : m_root(std::move(root)) {}
  std::filesystem::path m_root;
};

}  // namespace ztp::attest
