#include "attest/attest_harness.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "attest/service.h"
#include "audit/crypto.h"
#include "esapi/esapi_session.h"
#include "k8s/tls_transport.h"
#include "testlib/fixtures.h"
#include "testlib/test_pki.h"

namespace ztp::attest::testing {

std::unique_ptr<SwtpmProcess> start_tpm(const std::string& state_dir) {
  ::setenv("TSS2_LOG", "all+NONE", 0);  // expected TPM errors would flood the test log
  const auto exe = SwtpmProcess::find_executable();
  if (!exe) {
    return nullptr;
  }
  auto tpm = SwtpmProcess::start(*exe, state_dir);
  EXPECT_TRUE(tpm) << (tpm ? "" : tpm.error().message);
  if (!tpm) {
    return nullptr;
  }
  auto session = esapi::Session::open((*tpm)->tcti_config());
  EXPECT_TRUE(session && session->startup_clear());
  return std::move(*tpm);
}

void pcr_extend(const SwtpmProcess& tpm, int index, const std::string& data) {
  const auto digest = audit::sha256(data).value();
  const auto r =
      ztp::testing::run_command({"tpm2_pcrextend", "-T", tpm.tcti_config(),
                                 std::to_string(index) + ":sha256=" + audit::to_hex(digest)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// Every non-zero sha256 PCR value the TPM holds (upper-case hex, as tpm2_pcrread prints).
std::set<std::string> pcr_values(const SwtpmProcess& tpm) {
  const auto r = ztp::testing::run_command(
      {"tpm2_pcrread", "-T", tpm.tcti_config(), "sha256:0,1,2,3,4,5,6,7"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> values;
  const std::regex hex("0x([0-9A-F]{64})");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), hex);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1] != std::string(64, '0')) {
      values.insert((*it)[1]);
    }
  }
  return values;
}

std::unique_ptr<ProvisionedTpm> provision_with_ek_cert() {
  auto p = std::make_unique<ProvisionedTpm>();
  const std::string d = p->dir.str();
  p->dir.mkdir("ca");
  p->dir.mkdir("tpm");
  // A private local CA (never /var/lib/swtpm-localca): swtpm_localca creates it on first use.
  p->dir.write("localca.conf", "statedir = " + d + "/ca\nsigningkey = " + d +
                                   "/ca/signkey.pem\nissuercert = " + d +
                                   "/ca/issuercert.pem\ncertserial = " + d + "/ca/certserial\n");
  p->dir.write("localca.options",
               "--platform-manufacturer test\n--platform-version 2.1\n"
               "--platform-model test\n");
  p->dir.write("setup.conf",
               "create_certs_tool = /usr/bin/swtpm_localca\n"
               "create_certs_tool_config = " +
                   d + "/localca.conf\ncreate_certs_tool_options = " + d +
                   "/localca.options\nactive_pcr_banks = sha256\n");
  const auto r = ztp::testing::run_command({"swtpm_setup", "--tpm2", "--tpmstate", d + "/tpm",
                                            "--create-ek-cert", "--config", d + "/setup.conf"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (r.exit_code != 0) {
    return nullptr;
  }
  p->state_dir = d + "/tpm";
  std::ifstream root(d + "/ca/swtpm-localca-rootca-cert.pem");
  std::ifstream issuer(d + "/ca/issuercert.pem");
  std::stringstream bundle;
  bundle << root.rdbuf() << issuer.rdbuf();
  p->ca_bundle = bundle.str();
  EXPECT_NE(p->ca_bundle.find("BEGIN CERTIFICATE"), std::string::npos);
  return p;
}

Harness::Harness(std::optional<std::string> ek_ca) {
  const auto& pki = ztp::testing::shared_test_pki();
  m_files.write("ca.pem", pki.ca_cert);
  m_files.write("cert.pem", pki.server_cert);
  m_files.write("key.pem", pki.server_key);
  m_logger = std::make_unique<log::Logger>(m_log_out, m_clock);
  VerifierOptions options;
  options.ek_ca_pem = std::move(ek_ca);
  options.publish.dir = m_publish.root();
  m_verifier =
      std::make_unique<Verifier>(DirState::open(state_spec()).value(), options, m_clock, *m_logger);
  http::ServerConfig config;
  config.tls = http::TlsFiles{m_files.str() + "/cert.pem", m_files.str() + "/key.pem"};
  config.limits.max_body_bytes = k_max_request_bytes;
  m_server = std::make_unique<http::Server>(config, verifier_routes(*m_verifier));
  m_port = m_server->bind().value();
  m_thread = std::thread([this] { m_server->serve(); });
}

Harness::~Harness() {
  m_server->stop();
  m_thread.join();
}

NodeOptions Harness::node(const SwtpmProcess& tpm, const std::string& name,
                          const std::string& secret, const std::string& group) const {
  NodeOptions o;
  o.verifier = url();
  o.ca_pem = ztp::testing::shared_test_pki().ca_cert;
  o.tcti = tpm.tcti_config();
  o.node = name;
  o.group = group;
  o.secret = secret;
  return o;
}

Result<k8s::HttpResponse> Harness::post(const std::string& path, const std::string& body) const {
  k8s::TlsOptions tls;
  tls.host = "127.0.0.1";
  tls.port = std::to_string(m_port);
  tls.ca_pem = ztp::testing::shared_test_pki().ca_cert;
  auto http = k8s::TlsTransport::create(tls);
  if (!http) {
    return tl::unexpected(http.error());
  }
  return (*http)->send(
      k8s::HttpRequest{"POST", path, {{"Content-Type", "application/json"}}, body});
}

void Harness::approve_presented(const std::string& node, const std::string& group) const {
  auto state = DirState::open(state_spec()).value();
  const auto record = state.node(node).value();
  ASSERT_TRUE(record && record->presented);
  auto policy = state.policy(group).value();
  policy.approved.push_back(*record->presented);
  ASSERT_TRUE(state.put_policy(policy));
}

void Harness::put_secret(const std::string& name, const std::string& value,
                         const std::string& group) const {
  ASSERT_TRUE(DirState::open(state_spec()).value().put_secret({name, group, value}));
}

}  // namespace ztp::attest::testing
