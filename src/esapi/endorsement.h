#pragma once
// The endorsement key (EK) side of registration with the verifier: the EK from the
// standard template, its certificate from NV, and TPM2_ActivateCredential. The EK is a
// primary in the ENDORSEMENT hierarchy from the TCG EK Credential Profile's template L-1
// (RSA 2048; EK Credential Profile 2.0 section B.3.3), so it is the key the manufacturer
// (or swtpm_setup --create-ek-cert) certified, recreated on demand and flushed after use.
// The endorsement authorisation is assumed empty (the TPM default).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "esapi/esapi_session.h"

namespace ztp::esapi {

// The EK's public area, marshalled TPM2B_PUBLIC.
Result<std::string> endorsement_key_public(Session& session);

// The RSA 2048 EK certificate (DER) from NV index 0x01C00002 (TCG EK Credential Profile
// 2.0 section 2.2.1.4), nullopt when the TPM has none.
Result<std::optional<std::string>> endorsement_certificate(Session& session);

// TPM2_ActivateCredential (TPM 2.0 Part 3 section 12.5) for the AK under the EK, in a
// policy session satisfying the EK's PolicySecret(TPM_RH_ENDORSEMENT): returns the
// credential the verifier encrypted. id_object and encrypted_secret are marshalled
// TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET. Uses three slots (AK, EK, session), all
// flushed before it returns.
Result<std::string> activate_credential(Session& session, std::string_view id_object,
                                        std::string_view encrypted_secret);

// The same for any loaded object (tests activate for objects loaded with LoadExternal, to
// show what the verifier's AK checks stop). The object's authValue must be empty.
Result<std::string> activate_credential_for(Session& session, std::uint32_t object,
                                            std::string_view id_object,
                                            std::string_view encrypted_secret);

}  // namespace ztp::esapi
