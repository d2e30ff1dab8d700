#pragma once
// A throwaway PKI generated at test time with OpenSSL: CA, server certificate
// (SAN 127.0.0.1, ::1, localhost), client certificate. PEM strings.

#include <string>
#include <vector>

namespace ztp::testing {

struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;  // CN=ztp-test-client, signed by the CA
  std::string client_key;
  std::string other_ca_cert;    // an unrelated CA: verification against it must fail
  std::string wrong_name_cert;  // signed by the CA, but only for DNS:elsewhere.invalid
  std::string wrong_name_key;
};

// Generates a fresh PKI (P-256 keys); throws on OpenSSL failure (test setup only).
TestPki make_test_pki();
// One PKI per test process, made on first use (key generation costs tens of ms).
const TestPki& shared_test_pki();

}  // namespace ztp::testing
