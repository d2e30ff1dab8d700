#pragma once
// A real verifier for tests: Verifier + the HTTP service on src/http with TLS (a test PKI),
// on a free loopback port, with a fixed clock and its log captured; plus swtpm helpers.

#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "attest/node_client.h"
#include "attest/protocol.h"
#include "attest/verifier.h"
#include "esapi/swtpm_process.h"
#include "http/server.h"
#include "k8s/http.h"
#include "testlib/fixed_clock.h"
#include "testlib/temp_tree.h"

namespace ztp::attest::testing {

using ztp::testing::SwtpmProcess;

// A started swtpm (TPM2_Startup done), or nullptr when swtpm is not installed.
std::unique_ptr<SwtpmProcess> start_tpm(const std::string& state_dir = "");

// tpm2_pcrextend of PCR index with SHA-256(data) (a swapped kernel, a planted value).
void pcr_extend(const SwtpmProcess& tpm, int index, const std::string& data);
// Every non-zero sha256 PCR0..7 value the TPM holds (upper-case hex, as tpm2_pcrread prints).
std::set<std::string> pcr_values(const SwtpmProcess& tpm);

// A TPM state provisioned by `swtpm_setup --create-ek-cert` with a private local CA.
struct ProvisionedTpm {
  ztp::testing::TempTree dir;
  std::string state_dir;
  std::string ca_bundle;  // the local CA's root and issuer certificates (PEM)
};
std::unique_ptr<ProvisionedTpm> provision_with_ek_cert();

class Harness {
 public:
  explicit Harness(std::optional<std::string> ek_ca = std::nullopt);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  NodeOptions node(const SwtpmProcess& tpm, const std::string& name,
                   const std::string& secret = "s1", const std::string& group = "g1") const;
  // POST path with body over TLS; the response (or an error for no response).
  Result<k8s::HttpResponse> post(const std::string& path, const std::string& body) const;
  void approve_presented(const std::string& node, const std::string& group = "g1") const;
  void put_secret(const std::string& name, const std::string& value,
                  const std::string& group = "g1") const;
  std::string log_text() const { return m_log_out.str(); }
  std::string metrics() const { return m_verifier->metrics_text(); }

  Verifier& verifier() { return *m_verifier; }
  ztp::testing::FixedClock& clock() { return m_clock; }
  std::string state_spec() const { return "dir:" + m_state.str(); }
  const ztp::testing::TempTree& state_dir() const { return m_state; }
  const ztp::testing::TempTree& publish_dir() const { return m_publish; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
  std::string ca_file() const { return m_files.str() + "/ca.pem"; }

 private:
  ztp::testing::TempTree m_files;
  ztp::testing::TempTree m_state;
  ztp::testing::TempTree m_publish;
  ztp::testing::FixedClock m_clock;
  std::ostringstream m_log_out;
  std::unique_ptr<log::Logger> m_logger;
  std::unique_ptr<Verifier> m_verifier;
  std::unique_ptr<http::Server> m_server;
  std::thread m_thread;
  int m_port = 0;
};

}  // namespace ztp::attest::testing
