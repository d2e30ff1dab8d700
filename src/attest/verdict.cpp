#include "attest/verdict.h"

#include <nlohmann/json.hpp>

#include "common/posix_file.h"
#include "common/rfc3339.h"
#include "publish/k8s_sink.h"

namespace ztp::attest {

// schema/envelope.v1 "apiVersion": every document of the project's API group shares it.
constexpr std::string_view k_api_version = "ztp-prem.tlsstress.art/v1";

std::string verdict_json(const VerdictRecord& v) {
  nlohmann::ordered_json doc = {
      {"apiVersion", k_api_version}, {"kind", k_verdict_kind}, {"node", v.node},
      {"attested", v.attested},      {"group", v.group},       {"when", format_rfc3339(v.when)}};
  if (!v.attested) {
    doc["reason"] = v.reason;
  }
  return doc.dump() + "\n";
}

VerdictPublisher::VerdictPublisher(Options options, OnFailure on_failure)
    : m_options(std::move(options)), m_on_failure(std::move(on_failure)) {
  if (m_options.k8s) {
    m_worker = std::thread([this] { run(); });
  }
}

VerdictPublisher::~VerdictPublisher() {
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_worker.joinable()) {
    m_worker.join();
  }
}

void VerdictPublisher::publish(const VerdictRecord& verdict) {
  std::string json = verdict_json(verdict);
  if (m_options.dir) {
    const std::string name = verdict.node + "." + std::string(k_verdict_key) + ".json";
    // Not fsynced: a verdict is derived state, replaced at the node's next decision, and
    // nothing a release depends on (docs/attest.md "Figures": two fsyncs per round).
    if (auto ok = replace_file_unsynced(*m_options.dir, name, json); !ok) {
      m_on_failure("dir", ok.error().message);
    }
  }
  if (m_options.k8s) {
    {
      const std::lock_guard lock(m_mutex);
      m_pending[verdict.node] = std::move(json);  // an older unsent verdict is superseded
    }
    m_wake.notify_one();
  }
}

bool VerdictPublisher::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  return m_idle.wait_for(lock, timeout, [&] { return m_pending.empty() && !m_busy; });
}

// True when done with this verdict (applied, or refused for good), false to retry.
bool VerdictPublisher::apply_one(const std::string& node, const std::string& json) {
  const publish::ConfigMapSinkOptions sink{m_options.k8s->namespace_name,
                                           std::string(k_verdict_field_manager)};
  auto applied =
      m_options.k8s->client->apply(publish::configmap_key_target(node, k_verdict_key, json, sink));
  if (applied) {
    return true;
  }
  m_on_failure("k8s", applied.error().reason);
  return applied.error().permanent;
}

void VerdictPublisher::run() {
  std::unique_lock lock(m_mutex);
  std::chrono::milliseconds backoff{0};
  while (true) {
    m_wake.wait(lock, [&] { return m_stop || !m_pending.empty(); });
    if (m_stop) {
      return;
    }
    auto first = m_pending.begin();
    const std::string node = first->first;
    const std::string json = std::move(first->second);
    m_pending.erase(first);
    m_busy = true;
    lock.unlock();
    const bool done = apply_one(node, json);
    lock.lock();
    m_busy = false;
    if (!done) {
      m_pending.try_emplace(node, json);  // unless a newer verdict arrived meanwhile
      backoff = backoff.count() == 0 ? m_options.backoff_initial
                                     : std::min(backoff * 2, m_options.backoff_max);
      m_wake.wait_for(lock, backoff, [&] { return m_stop; });
    } else {
      backoff = std::chrono::milliseconds(0);
    }
    if (m_pending.empty()) {
      m_idle.notify_all();
    }
  }
}

}  // namespace ztp::attest
