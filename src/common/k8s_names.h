#pragma once
// The one check of Kubernetes object names used by every binary: the probes refuse a
// node name before any work, the audit log refuses foreign records, the fleet drops
// documents whose node the API server could not have named.

#include <cstddef>
#include <string_view>

namespace ztp {

// A DNS subdomain as the API server checks object names (RFC 1123; apimachinery
// validation.IsDNS1123Subdomain): at most 253 characters, dot-separated labels of
// [a-z0-9-] that start and end with [a-z0-9].
bool is_dns_subdomain(std::string_view name);

// Kubernetes node names are DNS subdomains (kubernetes/pkg/apis/core/validation
// ValidateNodeName uses IsDNS1123Subdomain).
inline bool is_node_name(std::string_view name) { return is_dns_subdomain(name); }

// The longest node name whose derived names all stay valid: the ConfigMap
// "ztp-prem-<node>" (a subdomain, <= 253) and the dir: sink's file "<node>.tpm.json"
// (NAME_MAX 255). A longer, otherwise valid name is refused up front, not at publish.
inline constexpr std::string_view k_node_configmap_prefix = "ztp-prem-";
inline constexpr std::size_t k_max_publishable_node_chars = 253 - k_node_configmap_prefix.size();

// A rollout anchor ("wave"): it becomes a label value downstream, so at most 63 of
// [A-Za-z0-9._-] (envelope.v1 "wave" pattern).
bool is_wave(std::string_view wave);

}  // namespace ztp
