#pragma once
// The parts of a request the server interprets itself, as pure functions over text
// (no sockets): percent-decoding, the query string, the Host header, the bearer token.
// Outside input: fuzz/http_request_fuzz.cpp runs all of them.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ztp::http {

// Parameter name -> value, decoded; a repeated name appears once per occurrence.
using QueryParams = std::multimap<std::string, std::string>;

// RFC 3986 2.1 percent-decoding. With plus_as_space, '+' is a space (the
// application/x-www-form-urlencoded convention browsers use in query strings).
// bad_input for a malformed escape or an escape that decodes to NUL.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space);

// "a=1&b=&c" -> {a:1, b:"", c:""}; empty pieces ("a=1&&b=2") are skipped.
Result<QueryParams> parse_query(std::string_view query);

// Splits an origin-form target (RFC 9112 3.2.1) into its decoded path and raw query.
// bad_input for any other form ("*", absolute-form) or a path that does not decode.
struct Target {
  std::string path;
  std::string query;
};
Result<Target> split_target(std::string_view target);

// The host part of a Host header value (RFC 9110 7.2: uri-host [":" port]), lower case,
// without a trailing dot; IPv6 literals keep their brackets. nullopt when malformed.
std::optional<std::string> host_of(std::string_view host_header);

// The Host allow-list against DNS rebinding. A rebinding page reaches the service under
// its own DNS name, so names must be listed; an IP literal cannot have been rebound and
// is accepted (kubelet probes and Prometheus address a pod by IP).
class HostAllowList {
 public:
  // listen_host: the address the server listens on; names: extra names (e.g. Service DNS
  // names). localhost, 127.0.0.1 and [::1] are always allowed.
  HostAllowList(std::string_view listen_host, const std::vector<std::string>& names);
  bool allows(std::string_view host_header) const;

 private:
  std::set<std::string, std::less<>> m_names;
};

// RFC 6750 2.1 "Authorization: Bearer <token>"; the scheme is case-insensitive
// (RFC 9110 11.1). Constant-time in the token's bytes.
bool bearer_matches(std::string_view authorization, std::string_view expected_token);

}  // namespace ztp::http
