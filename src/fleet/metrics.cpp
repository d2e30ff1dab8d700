#include "fleet/metrics.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace ztp::fleet {

namespace {

void gauge(prometheus::Registry& registry, const std::string& name, const std::string& help,
           double value) {
  prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({}).Set(value);
}

template <std::size_t N>
void gauges_by(prometheus::Registry& registry, const std::string& name, const std::string& help,
               const std::string& label, const std::array<std::string_view, N>& words,
               const std::array<std::size_t, N>& counts) {
  auto& family = prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  for (std::size_t i = 0; i < N; ++i) {
    family.Add({{label, std::string(words[i])}}).Set(static_cast<double>(counts[i]));
  }
}

}  // namespace

std::string metrics_text(const FleetCounts& c) {
  // A registry per scrape: scrapes are rare, and the counts come from one snapshot.
  prometheus::Registry registry;
  gauge(registry, "ztp_prem_fleet_nodes", "Nodes with at least one status document",
        static_cast<double>(c.nodes));
  gauges_by(registry, "ztp_prem_fleet_cc_mode_nodes",
            "Nodes by CC guest mode (valid CCStatus documents)", "mode", k_modes, c.modes);
  gauges_by(registry, "ztp_prem_fleet_cc_host_capability_nodes",
            "Nodes able to launch each CC guest type", "capability", k_capabilities,
            c.capabilities);
  gauges_by(registry, "ztp_prem_fleet_tpm_family_nodes",
            "Nodes by TPM family (valid TPMStatus documents)", "family", k_families, c.families);
  gauges_by(registry, "ztp_prem_fleet_tpm_readiness_nodes",
            "Nodes by measured-boot readiness (valid TPMStatus documents)", "readiness",
            k_readiness, c.readiness);
  gauges_by(registry, "ztp_prem_fleet_tpm_missing_part_nodes",
            "Nodes whose TPMStatus lists each measured-boot part as missing (valid documents)",
            "part", k_missing_parts, c.missing_parts);
  gauge(registry, "ztp_prem_fleet_stale_nodes", "Nodes with a document older than --stale-after",
        static_cast<double>(c.stale));
  gauge(registry, "ztp_prem_fleet_invalid_documents",
        "Documents that failed validation (kept out of every count)",
        static_cast<double>(c.invalid_documents));
  constexpr std::array<std::string_view, 2> k_probes = {"cc", "tpm"};
  gauges_by(registry, "ztp_prem_fleet_missing_documents", "Nodes without a document of a probe",
            "probe", k_probes, std::array<std::size_t, 2>{c.cc_missing, c.tpm_missing});
  constexpr std::array<std::string_view, 3> k_verdicts = {"attested", "refused", "none"};
  gauges_by(registry, "ztp_prem_fleet_attestation_nodes",
            "Nodes by the attestation verifier's last verdict (none: no valid AttestStatus)",
            "verdict", k_verdicts,
            std::array<std::size_t, 3>{c.attestation[1], c.attestation[0], c.attestation_none});
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace ztp::fleet
