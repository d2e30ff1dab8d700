#pragma once
// The attestation verifier's verdict on one node (schema/attest.v1.schema.json, written by
// `ztp-prem-attest serve --publish`): "<node>.attest.json" in a dir source, data key
// "attest.json" of the node's ConfigMap. Checked against every rule of attest.v1 and
// reduced to what the fleet shows: attested or refused, the group, when, the reason code.

#include <array>
#include <cstddef>
#include <string_view>

#include "common/result.h"
#include "fleet/status_document.h"
#include "vocabulary/vocabulary.gen.h"

namespace ztp::fleet {

// attest.v1 "reason": the refusal codes the verifier publishes (docs/attest.md), generated
// from the schema (x-ztp-vocabulary AttestRefusal).
inline constexpr const auto& k_attest_reasons = vocab::k_attest_refusal_words;
// A node's attestation as the fleet counts it: the verifier's last verdict, or none.
// Row::attestation indexes it (-1 = none); "none" is the count of nodes without a verdict.
inline constexpr std::array<std::string_view, 2> k_attest_verdicts = {"refused", "attested"};

// A verdict is about 200 bytes; anything near this is not one.
inline constexpr std::size_t k_max_attest_document_bytes = 4096;

// Validates bytes as the verdict on expected_node and fills the attest fields of a
// StatusDocument (probe = attest, generated_at = "when"). Errors name the field and the
// rule, never a value.
Result<StatusDocument> parse_attest_document(std::string_view bytes,
                                             std::string_view expected_node);

}  // namespace ztp::fleet
