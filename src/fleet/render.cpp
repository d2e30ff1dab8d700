#include "fleet/render.h"

namespace ztp::fleet {

namespace {

using nlohmann::ordered_json;

template <std::size_t N>
ordered_json word_or_null(const std::array<std::string_view, N>& words, int index) {
  if (index < 0) {
    return nullptr;
  }
  return words[static_cast<std::size_t>(index)];
}

template <std::size_t N>
ordered_json word_list(const std::array<std::string_view, N>& words, std::uint8_t bits) {
  auto out = ordered_json::array();
  for (std::size_t i = 0; i < N; ++i) {
    if ((bits & (1U << i)) != 0) {
      out.push_back(words[i]);
    }
  }
  return out;
}

template <std::size_t N>
ordered_json counts_by_word(const std::array<std::string_view, N>& words,
                            const std::array<std::size_t, N>& counts) {
  ordered_json out = ordered_json::object();
  for (std::size_t i = 0; i < N; ++i) {
    out[std::string(words[i])] = counts[i];
  }
  return out;
}

ordered_json stored_document(const std::shared_ptr<const std::string>& compact) {
  if (!compact) {
    return nullptr;
  }
  // Stored documents passed parse_status_document, so they parse again.
  return ordered_json::parse(*compact, nullptr, /*allow_exceptions=*/false);
}

// The verifier's verdict as the row shows it: null without one.
ordered_json attestation_json(const Row& row) {
  if (row.attestation < 0) {
    return nullptr;
  }
  ordered_json j;
  j["attested"] = row.attestation == 1;
  j["group"] = row.attest_group;
  j["when"] = row.attested_at ? ordered_json(format_rfc3339(*row.attested_at)) : nullptr;
  j["reason"] = word_or_null(k_attest_reasons, row.attest_reason);
  return j;
}

}  // namespace

std::string_view to_string(RowState state) {
  switch (state) {
    case RowState::ok:
      return "ok";
    case RowState::stale:
      return "stale";
    case RowState::partial:
      return "partial";
    case RowState::invalid:
      break;
  }
  return "invalid";
}

ordered_json row_json(const Row& row) {
  ordered_json j;
  j["name"] = row.name;
  j["mode"] = word_or_null(k_modes, row.mode);
  j["hostCapabilities"] = word_list(k_capabilities, row.capabilities);
  j["family"] = word_or_null(k_families, row.family);
  j["readiness"] = word_or_null(k_readiness, row.readiness);
  j["missingParts"] = word_list(k_missing_parts, row.missing_parts);
  j["bootStateChangedAt"] =
      row.boot_changed_at ? ordered_json(*row.boot_changed_at) : ordered_json(nullptr);
  j["attestation"] = attestation_json(row);
  j["wave"] = row.wave.empty() ? ordered_json(nullptr) : ordered_json(row.wave);
  j["state"] = to_string(row.state);
  j["stale"] = row.stale;
  auto missing = ordered_json::array();
  if (row.missing_cc) {
    missing.push_back("cc");
  }
  if (row.missing_tpm) {
    missing.push_back("tpm");
  }
  j["missing"] = std::move(missing);
  j["invalidReasons"] = row.invalid_reasons;
  j["lastSeen"] =
      row.last_seen ? ordered_json(format_rfc3339(*row.last_seen)) : ordered_json(nullptr);
  return j;
}

ordered_json fleet_json(const FleetCounts& counts, std::uint64_t revision, TimePoint generated_at) {
  ordered_json j;
  j["generatedAt"] = format_rfc3339(generated_at);
  j["revision"] = revision;
  j["nodes"] = counts.nodes;
  j["stale"] = counts.stale;
  j["invalid"] = counts.invalid_nodes;
  ordered_json cc;
  cc["modes"] = counts_by_word(k_modes, counts.modes);
  cc["hostCapabilities"] = counts_by_word(k_capabilities, counts.capabilities);
  cc["missing"] = counts.cc_missing;
  j["cc"] = std::move(cc);
  ordered_json tpm;
  tpm["families"] = counts_by_word(k_families, counts.families);
  tpm["readiness"] = counts_by_word(k_readiness, counts.readiness);
  tpm["missingParts"] = counts_by_word(k_missing_parts, counts.missing_parts);
  tpm["missing"] = counts.tpm_missing;
  tpm["bootStateChanged"] = counts.boot_state_changed;
  j["tpm"] = std::move(tpm);
  ordered_json attestation;
  attestation["attested"] = counts.attestation[1];
  attestation["refused"] = counts.attestation[0];
  attestation["none"] = counts.attestation_none;
  attestation["reasons"] = counts_by_word(k_attest_reasons, counts.attest_reasons);
  j["attestation"] = std::move(attestation);
  auto waves = ordered_json::array();
  for (const auto& [wave, nodes] : counts.waves) {
    waves.push_back({{"wave", wave}, {"nodes", nodes}});
  }
  j["waves"] = std::move(waves);
  return j;
}

ordered_json node_detail_json(const Row& row) {
  ordered_json j;
  j["row"] = row_json(row);
  j["cc"] = stored_document(row.cc_document);
  j["tpm"] = stored_document(row.tpm_document);
  j["attest"] = stored_document(row.attest_document);
  return j;
}

std::string error_json(std::string_view message) { return ordered_json{{"error", message}}.dump(); }

}  // namespace ztp::fleet
