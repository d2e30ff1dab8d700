#pragma once
// A sink takes one produced document somewhere: stdout, a directory, an NFD
// feature file, the per-node ConfigMap, (later) the audit log. Sinks are plain
// named functions run in order by the agent, which owns retries and schedules.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "report/document.h"

namespace ztp::publish {

// One produced document in every form a sink needs, computed once per cycle.
struct Publication {
  const report::Document& doc;
  std::string json;    // report::render_json(doc): exactly what --format json prints
  std::string digest;  // report::content_digest(doc): changes only when a finding does
  std::string key;     // "cc" or "tpm": file suffix and ConfigMap data key
};

// Why a sink did not publish. The agent retries after retry_after when the
// server said so, else after its own jittered backoff.
struct Failure {
  std::string reason;  // one line, no device identifiers
  std::optional<std::chrono::seconds> retry_after;
  // A refusal no retry can fix (an admission policy, RBAC, a malformed request): the agent
  // reports it and tries again only at the next heartbeat.
  bool permanent = false;
};

using Outcome = tl::expected<void, Failure>;

struct Sink {
  std::string name;  // "stdout", "dir", "nfd", "k8s", "audit": used in logs
  std::function<Outcome(const Publication&)> publish;
};

// "CCStatus" -> "cc", "TPMStatus" -> "tpm": the kind without "Status", lower-cased.
std::string publish_key(std::string_view kind);

// Builds the Publication for doc (renders JSON and digest).
struct Produced {
  report::Document doc;
  std::string json;
  std::string digest;
  std::string key;
  Publication view() const { return Publication{doc, json, digest, key}; }
};
Produced produce(report::Document doc);

}  // namespace ztp::publish
