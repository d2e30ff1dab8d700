#pragma once
// The attestation key (AK) and TPM2_Quote, on an open Session.
//
// The AK is a primary key created in the OWNER hierarchy from a fixed template: the TPM
// derives it from the owner seed, so it is the same key after every reboot without a
// persistent handle or a key file, and an owner-hierarchy signer makes the TPM mask
// resetCount, restartCount and firmwareVersion in every quote (libtpms Attest_spt.c
// FillInAttestInfo; research note attest.md section 0.3). It is ECC P-256, ECDSA-SHA256,
// restricted|sign|fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA: restricted
// so it signs only TPM-generated structures, noDA so that a swtpm power cycle in tests
// never counts towards dictionary-attack lockout (attest.md section 5.2).
//
// Every object is flushed before a call returns: swtpm and many chips hold only three
// transient objects, and the raw socket has no resource manager (attest.md section 5.2).
// The owner authorisation is assumed empty (the TPM default; Kubernetes nodes rarely set
// one).

#include <string>
#include <string_view>

#include "common/result.h"
#include "esapi/esapi_session.h"
#include "tpmquote/pcr_selection.h"

namespace ztp::esapi {

// The AK's public area, marshalled TPM2B_PUBLIC exactly as TPM2_CreatePrimary returned it.
Result<std::string> attestation_key_public(Session& session);

struct Quote {
  std::string attest;     // TPMS_ATTEST, the bytes the TPM signed (TPM2B_ATTEST contents)
  std::string signature;  // TPMT_SIGNATURE, marshalled as the TPM returned it
  std::string ak_public;  // the signer, as attestation_key_public()
};

// TPM2_Quote by the AK over selection with qualifyingData = qualifying (at most 64 bytes).
Result<Quote> quote(Session& session, const tpmquote::PcrSelection& selection,
                    std::string_view qualifying);
// The same over a raw TPML_PCR_SELECTION (tests build repeated or reordered banks with it,
// research note attest.md section 0.1).
Result<Quote> quote_raw(Session& session, const TPML_PCR_SELECTION& selection,
                        std::string_view qualifying);

}  // namespace ztp::esapi
