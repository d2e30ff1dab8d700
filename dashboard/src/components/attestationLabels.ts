import type { AttestReason } from '../api/types'

// What each refusal code means (docs/attest.md "Refusal codes").
export const ATTEST_REASON_LABEL: Record<AttestReason, string> = {
  'digest-not-approved': 'Boot state not approved',
  'secret-unknown': 'No such secret for the group',
}
