#include "fleet/attest_document.h"

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/k8s_names.h"
#include "fleet/vocabulary.h"

namespace ztp::fleet {

namespace {

using nlohmann::ordered_json;

// schema/attest.v1.schema.json: apiVersion, kind, and the group's length limit.
constexpr std::string_view k_api_version = "ztp-prem.tlsstress.art/v1";
constexpr std::string_view k_kind = "AttestStatus";
constexpr std::size_t k_max_group_chars = 200;
// attest.v1 properties; nothing else is allowed (additionalProperties: false).
constexpr std::array<std::string_view, 7> k_properties = {"apiVersion", "kind", "node",  "attested",
                                                          "group",      "when", "reason"};

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

// Parses a flat object: refuses nesting (attest.v1 has none) and repeated names (RFC 8259
// section 4: readers disagree on which one counts), so hostile input never builds a tree.
Result<ordered_json> parse_flat_object(std::string_view bytes) {
  std::vector<std::set<std::string>> seen;
  bool nested = false;
  bool duplicate = false;
  const ordered_json::parser_callback_t check = [&](int depth, ordered_json::parse_event_t event,
                                                    ordered_json& parsed) {
    using Event = ordered_json::parse_event_t;
    if (event == Event::object_start || event == Event::array_start) {
      nested = nested || depth > 0;
      seen.emplace_back();
    } else if (event == Event::object_end || event == Event::array_end) {
      seen.pop_back();
    } else if (event == Event::key && !seen.empty()) {
      duplicate = !seen.back().insert(parsed.get<std::string>()).second || duplicate;
    }
    // Drop whatever is nested (it is refused below), keep the rest.
    return !(depth > 0 && (event == Event::object_start || event == Event::array_start));
  };
  ordered_json doc = ordered_json::parse(bytes.begin(), bytes.end(), check,
                                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return invalid("document: not valid JSON (partial write?)");
  }
  if (!doc.is_object()) {
    return invalid("document: not a JSON object");
  }
  if (nested) {
    return invalid("document: nested values (attest.v1 has none)");
  }
  if (duplicate) {
    return invalid("document: a property appears twice");
  }
  return doc;
}

const ordered_json* member(const ordered_json& doc, std::string_view name) {
  const auto it = doc.find(name);
  return it == doc.end() ? nullptr : &*it;
}

bool is_text(const ordered_json* v) { return v != nullptr && v->is_string(); }

Result<void> check_identity(const ordered_json& doc, std::string_view expected_node) {
  for (const auto& [key, value] : doc.items()) {
    if (!index_of(k_properties, key)) {
      return invalid("unknown property (attest.v1 allows none)");  // the name is the node's text
    }
  }
  const auto* api = member(doc, "apiVersion");
  if (!is_text(api) || api->get_ref<const std::string&>() != k_api_version) {
    return invalid("apiVersion: not " + std::string(k_api_version));
  }
  const auto* kind = member(doc, "kind");
  if (!is_text(kind) || kind->get_ref<const std::string&>() != k_kind) {
    return invalid("kind: not AttestStatus (file name says attest)");
  }
  const auto* node = member(doc, "node");
  if (!is_text(node) || !is_node_name(node->get_ref<const std::string&>()) ||
      node->get_ref<const std::string&>().size() > k_max_publishable_node_chars) {
    return invalid("node: not an RFC 1123 node name");
  }
  if (node->get_ref<const std::string&>() != expected_node) {
    return invalid("node: does not match the file or object name");
  }
  return {};
}

Result<void> check_verdict(const ordered_json& doc, StatusDocument& out) {
  const auto* attested = member(doc, "attested");
  if (attested == nullptr || !attested->is_boolean()) {
    return invalid("attested: not a boolean");
  }
  out.attested = attested->get<bool>();
  const auto* group = member(doc, "group");
  if (!is_text(group) || !is_dns_subdomain(group->get_ref<const std::string&>()) ||
      group->get_ref<const std::string&>().size() > k_max_group_chars) {
    return invalid("group: not an RFC 1123 subdomain of at most 200 characters");
  }
  out.attest_group = group->get<std::string>();
  const auto* when = member(doc, "when");
  const auto at = is_text(when) ? parse_rfc3339(when->get_ref<const std::string&>()) : std::nullopt;
  if (!at) {
    return invalid("when: not RFC 3339 UTC (YYYY-MM-DDThh:mm:ssZ)");
  }
  out.generated_at = *at;
  const auto* reason = member(doc, "reason");
  if (out.attested) {
    return reason == nullptr ? Result<void>{} : invalid("reason: given for an attested node");
  }
  if (reason == nullptr) {
    return invalid("reason: missing for a refused node");
  }
  const auto index =
      is_text(reason) ? index_of(k_attest_reasons, reason->get<std::string>()) : std::nullopt;
  if (!index) {
    return invalid("reason: value outside the vocabulary");
  }
  out.attest_reason = *index;
  return {};
}

}  // namespace

Result<StatusDocument> parse_attest_document(std::string_view bytes,
                                             std::string_view expected_node) {
  if (bytes.size() > k_max_attest_document_bytes) {
    return invalid("document: larger than 4 KiB");
  }
  if (bytes.empty()) {
    return invalid("document: empty (partial write?)");
  }
  auto doc = parse_flat_object(bytes);
  if (!doc) {
    return tl::unexpected(doc.error());
  }
  StatusDocument out;
  out.probe = Probe::attest;
  if (auto ok = check_identity(*doc, expected_node); !ok) {
    return tl::unexpected(ok.error());
  }
  out.node = std::string(expected_node);
  if (auto ok = check_verdict(*doc, out); !ok) {
    return tl::unexpected(ok.error());
  }
  out.compact = doc->dump();  // the node's key order, no whitespace
  return out;
}

}  // namespace ztp::fleet
