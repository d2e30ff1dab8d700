#include "attest/verifier.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>

#include "attest/credential.h"
#include "attest/release.h"
#include "audit/crypto.h"
#include "common/rfc3339.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::attest {

// The selection every node quotes: PCR0..7 of the SHA-256 bank (issue 14; the boot chain
// of the TCG PC Client Platform Firmware Profile section 3.3.4).
constexpr std::string_view k_selection = "sha256:0-7";

struct Verifier::Pending {
  std::string node;
  std::string group;
  std::string ak_public;
  std::string ek_sha256;
  std::string credential;
  std::chrono::steady_clock::time_point expires;
};

struct Verifier::Issued {
  std::string node;
  std::chrono::steady_clock::time_point expires;
};

struct Verifier::Metrics {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& decisions =
      prometheus::BuildCounter()
          .Name("ztp_prem_attest_decisions_total")
          .Help("Attestation and registration decisions by outcome and refusal code")
          .Register(registry);
  prometheus::Family<prometheus::Counter>& nonces = prometheus::BuildCounter()
                                                        .Name("ztp_prem_attest_nonces_total")
                                                        .Help("Nonces issued")
                                                        .Register(registry);
};

namespace {

Refusal refusal(std::string_view code, std::string reason) {
  return Refusal{std::string(code), std::move(reason)};
}

Result<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return fail(ErrorKind::io_error, "no random bytes");
  }
  return out;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ek_digest(std::string_view ek_public) {
  auto d = audit::sha256(ek_public);
  return d ? audit::to_hex(*d) : std::string();
}

}  // namespace

Outcome<std::string> check_quote(const tpmquote::SignatureVerifier& ak, std::string_view attest,
                                 std::string_view signature, std::string_view expected_selection,
                                 std::string_view expected_extra) {
  if (auto ok = ak.verify(attest, signature); !ok) {
    return tl::unexpected(refusal(k_quote_invalid, ok.error().message));
  }
  auto body = tpmquote::parse_quote_attest(attest);
  if (!body) {
    return tl::unexpected(refusal(k_quote_invalid, body.error().message));
  }
  if (body->signed_selection != expected_selection) {
    return tl::unexpected(refusal(k_selection_mismatch, "the signed PCR selection is not exactly " +
                                                            std::string(k_selection)));
  }
  if (!same(body->extra_data, expected_extra)) {
    return tl::unexpected(refusal(
        k_quote_invalid, "the quote's qualifying data does not bind this nonce, key and node"));
  }
  if (body->pcr_digest.size() != 32) {
    return tl::unexpected(refusal(k_quote_invalid, "the quote's PCR digest is not SHA-256"));
  }
  return "sha256:" + audit::to_hex(body->pcr_digest);
}

Verifier::Verifier(DirState state, VerifierOptions options, const Clock& clock, log::Logger& log)
    : m_state(std::move(state)),
      m_options(std::move(options)),
      m_clock(clock),
      m_log(log),
      m_metrics(std::make_unique<Metrics>()),
      m_publisher(std::make_unique<VerdictPublisher>(
          m_options.publish, [this](std::string_view sink, std::string_view reason) {
            const std::lock_guard lock(m_mutex);
            m_log.warn("attest.publish_failed", {{"sink", sink}, {"reason", reason}});
          })) {
  auto sel = tpmquote::parse_pcr_selection(k_selection);
  m_selection = sel ? tpmquote::marshal_selection(*sel).value_or("") : "";
}

Verifier::~Verifier() = default;

Refusal Verifier::decide(std::string_view node, std::string_view group, std::string_view code,
                         std::string reason, bool publish) {
  m_metrics->decisions.Add({{"decision", "refused"}, {"reason", std::string(code)}}).Increment();
  nlohmann::ordered_json fields = {{"node", node}};
  if (!group.empty()) {
    fields["group"] = group;  // unknown before the node's registration is read
  }
  fields["decision"] = "refused";
  fields["reason"] = code;
  {
    const std::lock_guard lock(m_mutex);
    m_log.info("attest.decision", fields);
  }
  if (publish) {
    publish_verdict(node, group, false, code);
  }
  return refusal(code, std::move(reason));
}

void Verifier::released(const NodeRecord& node) {
  m_metrics->decisions.Add({{"decision", "released"}, {"reason", ""}}).Increment();
  {
    const std::lock_guard lock(m_mutex);
    m_log.info("attest.decision",
               {{"node", node.node}, {"group", node.group}, {"decision", "released"}});
  }
  publish_verdict(node.node, node.group, true, {});
}

void Verifier::publish_verdict(std::string_view node, std::string_view group, bool attested,
                               std::string_view code) {
  m_publisher->publish(VerdictRecord{std::string(node), std::string(group), attested,
                                     std::string(code), m_clock.wall_now()});
}

void Verifier::prune(std::chrono::steady_clock::time_point now) {
  for (auto it = m_nonces.begin(); it != m_nonces.end();) {
    it = it->second.expires <= now ? m_nonces.erase(it) : std::next(it);
  }
  for (auto it = m_pending.begin(); it != m_pending.end();) {
    it = it->second.expires <= now ? m_pending.erase(it) : std::next(it);
  }
}

void Verifier::count_bad_request(std::string_view route) {
  m_metrics->decisions.Add({{"decision", "refused"}, {"reason", "bad-request"}}).Increment();
  const std::lock_guard lock(m_mutex);
  m_log.info("attest.bad_request", {{"route", route}});
}

Outcome<RegisterChallenge> Verifier::register_node(const RegisterRequest& r) {
  auto ak = tpmquote::ak_from_public(r.ak_public);
  if (!ak) {
    return tl::unexpected(decide(r.node, r.group, k_ak_rejected, ak.error().message, false));
  }
  if (auto admin = check_ak_admin_role(r.ak_public); !admin) {
    return tl::unexpected(decide(r.node, r.group, k_ak_rejected, admin.error().message, false));
  }
  auto ek = ek_from_public(r.ek_public);
  if (!ek) {
    return tl::unexpected(decide(r.node, r.group, k_ek_not_trusted, ek.error().message, false));
  }
  if (m_options.ek_ca_pem) {
    if (!r.ek_certificate) {
      return tl::unexpected(decide(r.node, r.group, k_ek_not_trusted,
                                   "the verifier requires an EK certificate (--ek-ca)", false));
    }
    if (auto ok = check_ek_certificate(*r.ek_certificate, *ek, *m_options.ek_ca_pem); !ok) {
      return tl::unexpected(decide(r.node, r.group, k_ek_not_trusted, ok.error().message, false));
    }
  }
  const std::string ek_hash = ek_digest(r.ek_public);
  auto existing = m_state.node(r.node);
  if (!existing) {
    return tl::unexpected(decide(r.node, r.group, k_internal, existing.error().message, false));
  }
  if (*existing && ((*existing)->ek_sha256 != ek_hash || (*existing)->ak_public != r.ak_public ||
                    (*existing)->group != r.group)) {
    return tl::unexpected(decide(r.node, r.group, k_identity_conflict,
                                 "this node name is registered with another TPM or group; an "
                                 "operator must remove its registration first",
                                 false));
  }
  auto credential = random_bytes(32);
  auto challenge = random_bytes(16);
  if (!credential || !challenge) {
    return tl::unexpected(decide(r.node, r.group, k_internal, "no random bytes", false));
  }
  auto made = make_credential(*ek, ak->name, *credential);
  if (!made) {
    return tl::unexpected(decide(r.node, r.group, k_internal, made.error().message, false));
  }
  const auto now = m_clock.monotonic_now();
  {
    const std::lock_guard lock(m_mutex);
    prune(now);
    if (m_pending.size() >= m_options.max_outstanding) {
      return tl::unexpected(refusal(k_busy, "too many registrations in progress"));
    }
    m_pending[*challenge] = Pending{r.node,  r.group,     r.ak_public,
                                    ek_hash, *credential, now + m_options.registration_ttl};
  }
  return RegisterChallenge{*challenge, made->id_object, made->encrypted_secret};
}

Outcome<void> Verifier::prove(const ProofRequest& r) {
  std::optional<Pending> pending;
  {
    const std::lock_guard lock(m_mutex);
    if (auto it = m_pending.find(r.challenge); it != m_pending.end()) {
      pending = std::move(it->second);
      m_pending.erase(it);  // one answer per challenge, right or wrong
    }
  }
  if (!pending || pending->node != r.node) {
    return tl::unexpected(
        decide(r.node, "", k_nonce_invalid, "unknown or already answered challenge", false));
  }
  if (m_clock.monotonic_now() >= pending->expires) {
    return tl::unexpected(
        decide(r.node, pending->group, k_expired, "the challenge expired", false));
  }
  auto expected = registration_proof(pending->credential, r.node);
  if (!expected || !same(*expected, r.proof)) {
    return tl::unexpected(decide(r.node, pending->group, k_ak_not_bound,
                                 "the credential was not activated by a TPM holding this EK and "
                                 "AK",
                                 false));
  }
  auto existing = m_state.node(r.node);
  NodeRecord record{r.node,
                    pending->group,
                    pending->ak_public,
                    pending->ek_sha256,
                    format_rfc3339_ms(m_clock.wall_now()),
                    std::nullopt};
  if (existing && *existing) {
    record.registered_at = (*existing)->registered_at;
    record.presented = (*existing)->presented;
  }
  if (auto ok = m_state.put_node(record); !ok) {
    return tl::unexpected(decide(r.node, pending->group, k_internal, ok.error().message, false));
  }
  m_metrics->decisions.Add({{"decision", "registered"}, {"reason", ""}}).Increment();
  const std::lock_guard lock(m_mutex);
  m_log.info("attest.decision",
             {{"node", r.node}, {"group", pending->group}, {"decision", "registered"}});
  return {};
}

Outcome<NonceResponse> Verifier::nonce(const NonceRequest& r) {
  auto node = m_state.node(r.node);
  if (!node) {
    return tl::unexpected(decide(r.node, "", k_internal, node.error().message, false));
  }
  if (!*node) {
    return tl::unexpected(
        decide(r.node, "", k_not_registered, "this node is not registered", false));
  }
  auto value = random_bytes(k_nonce_bytes);
  if (!value) {
    return tl::unexpected(refusal(k_internal, "no random bytes"));
  }
  const auto now = m_clock.monotonic_now();
  {
    const std::lock_guard lock(m_mutex);
    prune(now);
    if (m_nonces.size() >= m_options.max_outstanding) {
      return tl::unexpected(refusal(k_busy, "too many outstanding nonces"));
    }
    m_nonces[*value] = Issued{r.node, now + m_options.nonce_ttl};
  }
  m_metrics->nonces.Add({}).Increment();
  return NonceResponse{*value, static_cast<long>(m_options.nonce_ttl.count())};
}

Outcome<ReleaseResponse> Verifier::attest(const AttestRequest& r) {
  std::optional<Issued> issued;
  {
    const std::lock_guard lock(m_mutex);
    if (auto it = m_nonces.find(r.nonce); it != m_nonces.end()) {
      issued = it->second;
      m_nonces.erase(it);  // single use, whatever the outcome
    }
  }
  if (!issued || issued->node != r.node) {
    return tl::unexpected(decide(r.node, "", k_nonce_invalid,
                                 "unknown, already used or another node's nonce", false));
  }
  if (m_clock.monotonic_now() >= issued->expires) {
    return tl::unexpected(decide(r.node, "", k_expired, "the nonce expired", false));
  }
  auto node = m_state.node(r.node);
  if (!node || !*node) {
    return tl::unexpected(
        node ? decide(r.node, "", k_not_registered, "this node is not registered", false)
             : decide(r.node, "", k_internal, node.error().message, false));
  }
  return attest_registered(r, **node);
}

Result<tpmquote::SignatureVerifier> Verifier::ak_verifier(const std::string& ak_public) {
  {
    const std::lock_guard lock(m_mutex);
    if (auto it = m_ak_verifiers.find(ak_public); it != m_ak_verifiers.end()) {
      return it->second;
    }
  }
  auto ak = tpmquote::ak_from_public(ak_public);
  if (!ak) {
    return tl::unexpected(ak.error());
  }
  auto verifier = tpmquote::SignatureVerifier::create(*ak);
  if (verifier) {
    const std::lock_guard lock(m_mutex);
    if (m_ak_verifiers.size() >= m_options.max_outstanding) {
      m_ak_verifiers.clear();  // bounded: rebuilt on demand
    }
    m_ak_verifiers.emplace(ak_public, *verifier);
  }
  return verifier;
}

Outcome<ReleaseResponse> Verifier::attest_registered(const AttestRequest& r,
                                                     const NodeRecord& node) {
  const std::string& group = node.group;
  auto verifier = ak_verifier(node.ak_public);
  auto binding = quote_binding(r.nonce, r.ephemeral_point, r.node);
  if (!verifier || !binding) {
    return tl::unexpected(decide(r.node, group, k_internal, "cannot set up quote checks", false));
  }
  auto digest = check_quote(*verifier, r.attest, r.signature, m_selection, *binding);
  if (!digest) {
    return tl::unexpected(decide(r.node, group, digest.error().code, digest.error().reason, false));
  }
  // From here the TPM vouched for this request: the verdict is published.
  if (node.presented != *digest) {
    NodeRecord updated = node;
    updated.presented = *digest;
    if (auto ok = m_state.put_node(updated); !ok) {
      return tl::unexpected(decide(r.node, group, k_internal, ok.error().message, false));
    }
  }
  auto policy = m_state.policy(group);
  if (!policy) {
    return tl::unexpected(decide(r.node, group, k_internal, policy.error().message, false));
  }
  if (std::find(policy->approved.begin(), policy->approved.end(), *digest) ==
      policy->approved.end()) {
    return tl::unexpected(decide(r.node, group, k_digest_not_approved,
                                 "this boot state is not approved for group " + group, true));
  }
  auto secret = m_state.secret(r.secret);
  if (!secret || !*secret || (*secret)->group != group) {
    return tl::unexpected(decide(r.node, group, k_secret_unknown,
                                 "no secret '" + r.secret + "' for group " + group, true));
  }
  auto envelope =
      seal_to(r.ephemeral_point, r.nonce, release_aad(r.node, r.secret), (*secret)->value);
  if (!envelope) {
    return tl::unexpected(decide(r.node, group, k_internal, envelope.error().message, false));
  }
  released(node);
  return ReleaseResponse{std::move(*envelope)};
}

std::string Verifier::metrics_text() const {
  return prometheus::TextSerializer().Serialize(m_metrics->registry.Collect());
}

}  // namespace ztp::attest
