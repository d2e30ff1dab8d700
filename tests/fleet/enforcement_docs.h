#pragma once
// A valid enforcement report for fleet tests, as `ztp-prem-enforce preflight --format json`
// writes it (src/enforce/tierb.cpp): 3 nodes, 2 eligible; two Tier B namespaces; one pod
// bound to the ineligible node.

#include <nlohmann/json.hpp>

namespace ztp::testing {

inline nlohmann::ordered_json enforcement_report() {
  return nlohmann::ordered_json::parse(R"json({
    "apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "EnforcementPreflight",
    "generatedAt": "2026-12-02T05:00:00Z", "mode": "advisory", "clear": false,
    "nodes": {"total": 3, "eligible": 2, "ineligibleByReason": {"stale": 1}},
    "tierB": {"namespaces": 2, "pods": 4, "wouldRefuse": 1, "onIneligibleNodes": 1,
              "mirrorPods": 0},
    "namespaces": [
      {"name": "payments", "pods": 3, "wouldRefuse": 1, "onIneligibleNodes": 1},
      {"name": "vault", "pods": 1, "wouldRefuse": 0, "onIneligibleNodes": 0}],
    "findings": [{"namespace": "payments", "pod": "api-0", "node": "n3", "mirror": false,
                  "wouldRefuse": true, "issues": ["no-placement", "bound-to-ineligible"],
                  "why": "no runtime class ztp-prem-cc; node n3 is not eligible (stale)"}],
    "findingsTruncated": false})json");
}

}  // namespace ztp::testing
