#include "attest/node_client.h"

#include "attest/release.h"
#include "esapi/attestation.h"
#include "esapi/endorsement.h"
#include "esapi/esapi_session.h"
#include "k8s/tls_transport.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::attest {
namespace {

template <class T>
using Answer = Result<tl::expected<T, Refusal>>;

// One POST; 200 parses with parse, 403/500/503 carry a Refusal, anything else is a fault.
template <class T, class Parse>
Answer<T> post(k8s::HttpTransport& http, const std::string& path, const std::string& body,
               Parse parse) {
  k8s::HttpRequest request{"POST", path, {{"Content-Type", "application/json"}}, body};
  auto response = http.send(request);
  if (!response) {
    return fail(ErrorKind::io_error, "verifier: " + response.error().message);
  }
  if (response->status == 200) {
    auto parsed = parse(response->body);
    if (!parsed) {
      return fail(ErrorKind::io_error,
                  "verifier answered " + path + " with " + parsed.error().message);
    }
    return tl::expected<T, Refusal>(std::move(*parsed));
  }
  if (response->status == 403 || response->status == 500 || response->status == 503) {
    if (auto refusal = parse_refusal(response->body)) {
      if (response->status == 403) {
        return tl::expected<T, Refusal>(tl::unexpected(*refusal));
      }
      return fail(ErrorKind::io_error, "verifier: " + refusal->reason);
    }
  }
  return fail(response->status == 400 ? ErrorKind::bad_input : ErrorKind::io_error,
              "verifier answered " + path + " with HTTP " + std::to_string(response->status));
}

Result<bool> parse_ok(std::string_view) { return true; }

// Registration: the verifier checks the AK's attributes and the EK (certificate), then
// only the TPM holding both can recover its credential.
Answer<bool> register_node(k8s::HttpTransport& http, esapi::Session& tpm, const NodeOptions& o) {
  ZTP_TRY(ak, esapi::attestation_key_public(tpm));
  ZTP_TRY(ek, esapi::endorsement_key_public(tpm));
  ZTP_TRY(cert, esapi::endorsement_certificate(tpm));
  const RegisterRequest request{o.node, o.group, *ek, *cert, *ak};
  ZTP_TRY(challenge, post<RegisterChallenge>(http, "/v1/register", to_json(request),
                                             parse_register_challenge));
  if (!*challenge) {
    return tl::expected<bool, Refusal>(tl::unexpected(challenge->error()));
  }
  ZTP_TRY(credential,
          esapi::activate_credential(tpm, (*challenge)->id_object, (*challenge)->encrypted_secret));
  ZTP_TRY(proof, registration_proof(*credential, o.node));
  const ProofRequest answer{o.node, (*challenge)->challenge, *proof};
  return post<bool>(http, "/v1/register/proof", to_json(answer), parse_ok);
}

Answer<std::string> attest_once(k8s::HttpTransport& http, esapi::Session& tpm, const NodeOptions& o,
                                const std::string& nonce) {
  ZTP_TRY(key, EphemeralKey::generate());
  ZTP_TRY(binding, quote_binding(nonce, key->public_point(), o.node));
  ZTP_TRY(selection, tpmquote::parse_pcr_selection("sha256:0-7"));
  ZTP_TRY(quote, esapi::quote(tpm, *selection, *binding));
  const AttestRequest request{o.node,        o.secret,        nonce, key->public_point(),
                              quote->attest, quote->signature};
  ZTP_TRY(release,
          post<ReleaseResponse>(http, "/v1/attest", to_json(request), parse_release_response));
  if (!*release) {
    return tl::expected<std::string, Refusal>(tl::unexpected(release->error()));
  }
  ZTP_TRY(secret, key->open((*release)->envelope, nonce, release_aad(o.node, o.secret)));
  return tl::expected<std::string, Refusal>(std::move(*secret));
}

}  // namespace

Result<VerifierAddress> parse_verifier_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme) {
    return fail(ErrorKind::bad_input, "--verifier must be https://HOST[:PORT] (TLS always)");
  }
  std::string_view rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  VerifierAddress a{"", "443"};
  std::size_t host_end = 0;
  if (!rest.empty() && rest.front() == '[') {
    host_end = rest.find(']');
    if (host_end == std::string_view::npos) {
      return fail(ErrorKind::bad_input, "--verifier: unterminated [IPv6] address");
    }
    a.host = std::string(rest.substr(1, host_end - 1));
    ++host_end;
  } else {
    host_end = std::min(rest.find(':'), rest.size());
    a.host = std::string(rest.substr(0, host_end));
  }
  const std::string_view tail = rest.substr(host_end);
  if (!tail.empty()) {
    const std::string_view port = tail.substr(1);
    if (tail.front() != ':' || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return fail(ErrorKind::bad_input, "--verifier: bad port or a path after HOST:PORT");
    }
    a.port = std::string(port);
  }
  if (a.host.empty() || a.host.find_first_of("/?#@ ") != std::string::npos) {
    return fail(ErrorKind::bad_input, "--verifier: no host");
  }
  return a;
}

Result<tl::expected<std::string, Refusal>> attest_node(const NodeOptions& o) {
  ZTP_TRY(tpm, esapi::Session::open(o.tcti));
  return attest_node(o, *tpm);
}

Result<tl::expected<std::string, Refusal>> attest_node(const NodeOptions& o, esapi::Session& tpm) {
  ZTP_TRY(address, parse_verifier_url(o.verifier));
  k8s::TlsOptions tls;
  tls.host = address->host;
  tls.port = address->port;
  tls.ca_pem = o.ca_pem;
  tls.timeout = o.timeout;
  tls.keep_alive = true;  // nonce and quote (and registration) on one TLS connection
  ZTP_TRY(http, k8s::TlsTransport::create(tls));
  ZTP_TRY(nonce, post<NonceResponse>(**http, "/v1/nonce", to_json(NonceRequest{o.node}),
                                     parse_nonce_response));
  if (!*nonce && nonce->error().code == "not-registered") {
    ZTP_TRY(registered, register_node(**http, tpm, o));
    if (!*registered) {
      return tl::expected<std::string, Refusal>(tl::unexpected(registered->error()));
    }
    nonce = post<NonceResponse>(**http, "/v1/nonce", to_json(NonceRequest{o.node}),
                                parse_nonce_response);
    if (!nonce) {
      return tl::unexpected(nonce.error());
    }
  }
  if (!*nonce) {
    return tl::expected<std::string, Refusal>(tl::unexpected(nonce->error()));
  }
  return attest_once(**http, tpm, o, (*nonce)->nonce);
}

}  // namespace ztp::attest
