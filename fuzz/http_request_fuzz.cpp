// What any HTTP client sends the services' server (src/http) before a handler runs: the
// request target, the query string, the Host header, the Authorization header. The first
// byte picks which; the server itself (Beast's parser, the limits) is exercised by
// tests/http on real sockets.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/request_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ztp::http::HostAllowList allow("0.0.0.0", {"ztp-prem-fleet.ztp-prem.svc"});
  switch (data[0] % 4) {
    case 0:
      if (const auto target = ztp::http::split_target(rest)) {
        (void)ztp::http::parse_query(target->query);
      }
      break;
    case 1:
      (void)ztp::http::parse_query(rest);
      (void)ztp::http::percent_decode(rest, false);
      break;
    case 2:
      (void)ztp::http::host_of(rest);
      (void)allow.allows(rest);
      break;
    default:
      (void)ztp::http::bearer_matches(rest, "token");
      break;
  }
  return 0;
}
