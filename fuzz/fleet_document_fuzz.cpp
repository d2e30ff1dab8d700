// What nodes, the verifier, the enforcement controller and HTTP clients send the fleet
// service: status documents (any bytes a node writes), attestation verdicts, the Tier B
// preflight report (a ConfigMap or file: outside input too) and /api/v1/nodes query
// parameters. The first byte picks which.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fleet/attest_document.h"
#include "fleet/enforcement_report.h"
#include "fleet/node_query.h"
#include "fleet/status_document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      (void)ztp::fleet::parse_status_document(rest, ztp::fleet::Probe::cc, "n1");
      break;
    case 1:
      (void)ztp::fleet::parse_status_document(rest, ztp::fleet::Probe::tpm, "n1");
      (void)ztp::fleet::parse_document_file_name(rest);
      (void)ztp::fleet::parse_rfc3339(rest);
      break;
    case 2:
      (void)ztp::fleet::parse_attest_document(rest, "n1");
      break;
    case 3:
      (void)ztp::fleet::parse_enforcement_report(rest);
      break;
    default: {
      // "a=b&c=d" as an HTTP layer would hand it over after decoding.
      ztp::fleet::QueryParams params;
      std::size_t start = 0;
      while (start <= rest.size()) {
        const std::size_t end = std::min(rest.find('&', start), rest.size());
        const std::string_view pair = rest.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        params.emplace(std::string(pair.substr(0, eq)), eq == std::string_view::npos
                                                            ? std::string()
                                                            : std::string(pair.substr(eq + 1)));
        start = end + 1;
      }
      (void)ztp::fleet::parse_node_query(params);
      break;
    }
  }
  return 0;
}
