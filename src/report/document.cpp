#include "report/document.h"

#include <sstream>

namespace ztp::report {

nlohmann::ordered_json to_json(const Document& doc) {
  const Envelope& e = doc.envelope;
  nlohmann::ordered_json j;
  j["apiVersion"] = k_api_version;
  j["kind"] = e.kind;
  j["node"] = e.node;
  j["generatedAt"] = format_rfc3339(e.generated_at);
  j["wave"] = e.wave;
  j["probe"] = {{"name", e.probe.name}, {"version", e.probe.version}};
  for (const auto& [key, value] : doc.body.items()) {
    j[key] = value;
  }
  auto& signals = j["signals"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : doc.findings.signals) {
    signals[std::string(name)] = value;
  }
  j["evidence"] = doc.findings.evidence;
  j["enforcement"] = to_string(e.enforcement);
  if (e.audit_head) {
    j["auditHead"] = {{"seq", e.audit_head->seq},
                      {"hash", e.audit_head->hash},
                      {"state", e.audit_head->stalled ? "stalled" : "ok"}};
  }
  if (e.boot_state) {
    auto& b = j["bootState"] = {{"quoted", e.boot_state->quoted}};
    if (e.boot_state->changed_at) {
      b["changedAt"] = *e.boot_state->changed_at;
    }
    if (e.boot_state->since) {
      b["since"] = format_rfc3339(*e.boot_state->since);
    }
  }
  return j;
}

std::string render_json(const Document& doc) { return to_json(doc).dump(2) + "\n"; }

namespace {

std::string scalar_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "yes" : "no";
  }
  if (v.is_array()) {
    if (v.empty()) {
      return "(none)";
    }
    std::string out;
    for (const auto& item : v) {
      out += out.empty() ? "" : ", ";
      out += scalar_text(item);
    }
    return out;
  }
  return v.dump();
}

void add_line(std::ostringstream& out, std::string_view key, std::string_view value) {
  constexpr std::size_t k_key_width = 26;
  out << key;
  for (std::size_t i = key.size(); i < k_key_width; ++i) {
    out << ' ';
  }
  out << ' ' << value << '\n';
}

void add_body(std::ostringstream& out, const std::string& prefix,
              const nlohmann::ordered_json& body) {
  for (const auto& [key, value] : body.items()) {
    if (value.is_object()) {
      add_body(out, prefix + key + ".", value);
    } else {
      add_line(out, prefix + key, scalar_text(value));
    }
  }
}

}  // namespace

std::string render_text(const Document& doc) {
  const Envelope& e = doc.envelope;
  std::ostringstream out;
  add_line(out, "kind", e.kind);
  add_line(out, "node", e.node);
  add_line(out, "generatedAt", format_rfc3339(e.generated_at));
  add_line(out, "wave", e.wave);
  add_line(out, "probe", e.probe.name + " " + e.probe.version);
  add_body(out, "", doc.body);
  std::string observed;
  for (const auto& [name, value] : doc.findings.signals) {
    if (value) {
      observed += observed.empty() ? "" : ", ";
      observed += name;
    }
  }
  add_line(out, "signals (true)", observed.empty() ? "(none)" : observed);
  for (std::size_t i = 0; i < doc.findings.evidence.size(); ++i) {
    add_line(out, i == 0 ? "evidence" : "", "- " + doc.findings.evidence[i]);
  }
  add_line(out, "enforcement", to_string(e.enforcement));
  if (e.audit_head) {
    add_line(out, "auditHead",
             std::to_string(e.audit_head->seq) + " " + e.audit_head->hash +
                 (e.audit_head->stalled ? " (stalled)" : ""));
  }
  if (e.boot_state) {
    std::string text = e.boot_state->quoted ? "quoted" : "not quoted";
    if (e.boot_state->changed_at) {
      text += ", changed at seq " + std::to_string(*e.boot_state->changed_at);
    }
    if (e.boot_state->since) {
      text += ", since " + format_rfc3339(*e.boot_state->since);
    }
    add_line(out, "bootState", text);
  }
  return out.str();
}

}  // namespace ztp::report
