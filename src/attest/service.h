#pragma once
// The verifier on the project's one HTTP stack (src/http), TLS always: the protocol's
// POST routes (protocol.h), GET /metrics and GET /healthz.

#include <vector>

#include "attest/verifier.h"
#include "http/server.h"

namespace ztp::attest {

// Largest request body: an EK certificate (a few KiB) in base64 plus the public areas.
inline constexpr std::size_t k_max_request_bytes = 32 * 1024;

std::vector<http::Route> verifier_routes(Verifier& verifier);

}  // namespace ztp::attest
