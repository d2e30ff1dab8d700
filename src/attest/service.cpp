#include "attest/service.h"

#include <nlohmann/json.hpp>

namespace ztp::attest {
namespace {

http::Response refused(const Refusal& r) {
  // 403: a decision by policy; 503: try again later; 500: the verifier's own fault.
  const int status = r.code == k_busy ? 503 : r.code == k_internal ? 500 : 403;
  return http::Response::json(status, to_json(r));
}

http::Response bad_request(Verifier& v, std::string_view route, const Error& e) {
  v.count_bad_request(route);
  return http::Response::json(400, nlohmann::json{{"error", e.message}}.dump());
}

template <class Parse, class Call>
http::Route post(std::string path, Verifier& v, Parse parse, Call call) {
  http::Route route;
  route.path = path;
  route.methods = {"POST"};
  route.any_host = false;
  route.work = http::Work::pool;  // signature checks and key agreement: off the I/O threads
  route.max_body_bytes = k_max_request_bytes;
  route.handle = [&v, path, parse, call](const http::Request& request) {
    auto message = parse(request.body);
    if (!message) {
      return bad_request(v, path, message.error());
    }
    auto outcome = call(*message);
    if (!outcome) {
      return refused(outcome.error());
    }
    if constexpr (std::is_void_v<typename decltype(outcome)::value_type>) {
      return http::Response::json(200, R"({"registered":true})");
    } else {
      return http::Response::json(200, to_json(*outcome));
    }
  };
  return route;
}

}  // namespace

std::vector<http::Route> verifier_routes(Verifier& v) {
  std::vector<http::Route> routes;
  routes.push_back(post("/v1/register", v, parse_register_request,
                        [&v](const RegisterRequest& r) { return v.register_node(r); }));
  routes.push_back(post("/v1/register/proof", v, parse_proof_request,
                        [&v](const ProofRequest& r) { return v.prove(r); }));
  routes.push_back(post("/v1/nonce", v, parse_nonce_request,
                        [&v](const NonceRequest& r) { return v.nonce(r); }));
  routes.push_back(post("/v1/attest", v, parse_attest_request,
                        [&v](const AttestRequest& r) { return v.attest(r); }));
  http::Route metrics;
  metrics.path = "/metrics";
  metrics.handle = [&v](const http::Request&) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = v.metrics_text();
    return r;
  };
  routes.push_back(std::move(metrics));
  http::Route health;
  health.path = "/healthz";
  health.any_host = true;
  health.handle = [](const http::Request&) { return http::Response::json(200, R"({"ok":true})"); };
  routes.push_back(std::move(health));
  return routes;
}

}  // namespace ztp::attest
