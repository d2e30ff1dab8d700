import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { installFakeApi } from '../test/api'
import { CC_DOC, FLEET, HOST_CC_DOC, makeRow, TPM_DOC } from '../test/fixtures'
import { NodeDetailPanel } from './NodeDetailPanel'
import { renderWithQuery } from '../test/render'

const NOW = Date.parse('2026-11-27T19:10:00Z')

describe('NodeDetailPanel', () => {
  it('shows both documents with their signals and evidence', async () => {
    const row = { ...makeRow(1), name: 'gcp-tdx-01' }
    installFakeApi({ fleet: FLEET, rows: [row], details: { 'gcp-tdx-01': { cc: CC_DOC, tpm: TPM_DOC } } })
    renderWithQuery(<NodeDetailPanel name="gcp-tdx-01" now={NOW} onClose={() => {}} />)
    const cc = await screen.findByRole('region', { name: 'Confidential Computing (CCStatus)' })
    expect(within(cc).getByText('Guest mode').nextSibling).toHaveTextContent(CC_DOC.mode)
    const ccSignals = within(cc).getByRole('table', { name: 'CC signals' })
    for (const [name, value] of Object.entries(CC_DOC.signals)) {
      expect(within(ccSignals).getByRole('row', { name: new RegExp(`^${name} `) })).toHaveTextContent(value ? 'yes' : 'no')
    }
    const ccEvidence = within(cc).getByRole('list', { name: 'CC evidence' })
    expect(within(ccEvidence).getAllByRole('listitem').map((li) => li.textContent)).toEqual(CC_DOC.evidence)

    const tpm = screen.getByRole('region', { name: 'TPM (TPMStatus)' })
    expect(within(tpm).getByText('Family').nextSibling).toHaveTextContent(TPM_DOC.family)
    expect(within(tpm).getByText('PCR banks').nextSibling).toHaveTextContent(TPM_DOC.measuredBoot.pcrBanks.join(', ') || 'none')
    expect(within(tpm).getByText('Readiness').nextSibling).toHaveTextContent(new RegExp(TPM_DOC.readiness.verdict === 'ready' ? 'Ready' : '.'))
    const tpmEvidence = within(tpm).getByRole('list', { name: 'TPM evidence' })
    expect(within(tpmEvidence).getAllByRole('listitem')).toHaveLength(TPM_DOC.evidence.length)
    expect(screen.getByRole('heading', { name: 'gcp-tdx-01' })).toHaveFocus()
  })

  it('shows host capabilities, a missing TPM document and invalid reasons', async () => {
    const row = {
      ...makeRow(1),
      name: 'epyc-host-01',
      state: 'invalid' as const,
      missing: [],
      invalidReasons: ['tpm: generatedAt: not RFC 3339 UTC'],
    }
    installFakeApi({ fleet: FLEET, rows: [row], details: { 'epyc-host-01': { cc: HOST_CC_DOC, tpm: null } } })
    renderWithQuery(<NodeDetailPanel name="epyc-host-01" now={NOW} onClose={() => {}} />)
    expect(await screen.findByText('Invalid document, kept out of the fleet counts')).toBeInTheDocument()
    expect(screen.getByText('tpm: generatedAt: not RFC 3339 UTC')).toBeInTheDocument()
    expect(screen.getByText('Can host').nextSibling).toHaveTextContent(HOST_CC_DOC.hostCapabilities.join(', '))
    expect(screen.getByText('This node has sent no valid TPM document.')).toBeInTheDocument()
  })

  it('reports an unknown node and closes with Escape or the button', async () => {
    installFakeApi({ fleet: FLEET, rows: [], details: {} })
    const onClose = vi.fn()
    renderWithQuery(<NodeDetailPanel name="gone-01" now={NOW} onClose={onClose} />)
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load gone-01: /nodes/gone-01 answered 404: no node gone-01')
    await userEvent.keyboard('{Escape}')
    await userEvent.click(screen.getByRole('button', { name: 'Close details of gone-01' }))
    expect(onClose).toHaveBeenCalledTimes(2)
  })
  it('shows the verifier\'s verdict, or that there is none', async () => {
    const refused = {
      ...makeRow(1),
      name: 'canary-01',
      attestation: { attested: false, group: 'workers', when: '2026-11-27T19:05:00Z', reason: 'digest-not-approved' as const },
    }
    installFakeApi({ fleet: FLEET, rows: [refused], details: { 'canary-01': { cc: CC_DOC, tpm: TPM_DOC } } })
    const { unmount } = renderWithQuery(<NodeDetailPanel name="canary-01" now={NOW} onClose={() => {}} />)
    const attest = await screen.findByRole('region', { name: 'Attestation (AttestStatus)' })
    expect(within(attest).getByText('Verdict').nextSibling).toHaveTextContent('refused — Boot state not approved (digest-not-approved)')
    expect(within(attest).getByText('Group').nextSibling).toHaveTextContent('workers')
    expect(within(attest).getByText('Decided').nextSibling).toHaveTextContent('2026-11-27T19:05:00Z')
    unmount()
    const none = { ...makeRow(2), name: 'plain-01' }
    installFakeApi({ fleet: FLEET, rows: [none], details: { 'plain-01': { cc: CC_DOC, tpm: TPM_DOC } } })
    renderWithQuery(<NodeDetailPanel name="plain-01" now={NOW} onClose={() => {}} />)
    expect(await screen.findByText('The attestation verifier has published no verdict for this node.')).toBeInTheDocument()
  })
})
