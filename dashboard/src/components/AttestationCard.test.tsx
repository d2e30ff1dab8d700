import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { FLEET } from '../test/fixtures'
import { AttestationCard } from './AttestationCard'

describe('AttestationCard', () => {
  it('counts attested, refused and unattested nodes, and refusals by reason', () => {
    const summary = {
      ...FLEET,
      attestation: { attested: 700, refused: 50, none: 250, reasons: { 'digest-not-approved': 45, 'secret-unknown': 5 } },
    }
    render(<AttestationCard summary={summary} loading={false} />)
    const verdicts = screen.getByRole('table', { name: 'Nodes by attestation verdict' })
    expect(within(verdicts).getByTestId('attest-attested')).toHaveTextContent(/Attested\s*700\s*70(\.0)?\s*%/)
    expect(within(verdicts).getByTestId('attest-refused')).toHaveTextContent(/Refused\s*50/)
    expect(within(verdicts).getByTestId('attest-none')).toHaveTextContent(/No verdict\s*250/)
    const reasons = screen.getByRole('table', { name: 'Refused nodes by reason' })
    expect(within(reasons).getByTestId('attest-reason-digest-not-approved')).toHaveTextContent(/Boot state not approved\s*45/)
    expect(within(reasons).getByTestId('attest-reason-secret-unknown')).toHaveTextContent(/5/)
  })

  it('says so when the service reports no verdicts, and hides reasons without refusals', () => {
    const { rerender } = render(<AttestationCard summary={FLEET} loading={false} />)
    expect(screen.getByText('This fleet service reports no attestation verdicts.')).toBeInTheDocument()
    rerender(
      <AttestationCard
        summary={{ ...FLEET, attestation: { attested: 3, refused: 0, none: 997, reasons: { 'digest-not-approved': 0, 'secret-unknown': 0 } } }}
        loading={false}
      />,
    )
    expect(screen.queryByRole('table', { name: 'Refused nodes by reason' })).not.toBeInTheDocument()
  })
})
