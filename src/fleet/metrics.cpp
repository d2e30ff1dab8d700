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

std::string enforcement_metrics_text(const EnforcementView& view) {
  prometheus::Registry registry;
  constexpr std::array<ReportStatus, 4> k_statuses = {ReportStatus::pending, ReportStatus::absent,
                                                      ReportStatus::valid, ReportStatus::invalid};
  auto& status = prometheus::BuildGauge()
                     .Name("ztp_prem_enforcement_report_status")
                     .Help(
                         "1 for the state of the enforcement preflight report (pending, "
                         "absent, valid, invalid), 0 for the others")
                     .Register(registry);
  for (const auto s : k_statuses) {
    status.Add({{"status", std::string(to_string(s))}}).Set(view.status == s ? 1 : 0);
  }
  if (const auto& f = view.figures) {
    gauge(registry, "ztp_prem_tierb_pods_on_ineligible_nodes",
          "Tier B pods bound to nodes not eligible for Tier B (enforcement report)",
          static_cast<double>(f->on_ineligible_nodes));
    gauge(registry, "ztp_prem_tierb_pods_would_refuse",
          "Tier B pods enforcing would refuse if created again now (enforcement report)",
          static_cast<double>(f->would_refuse));
    gauge(registry, "ztp_prem_tierb_eligible_nodes",
          "Nodes eligible for Tier B (enforcement report)", static_cast<double>(f->eligible_nodes));
    gauge(registry, "ztp_prem_tierb_nodes", "Nodes judged by the enforcement report",
          static_cast<double>(f->nodes));
  }
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace ztp::fleet
