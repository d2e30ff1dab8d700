import { act, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import type { EnforcementAnswer, EnforcementPreflight } from '../api/types'
import { installFakeApi, installFakeEventSource } from '../test/api'
import { FLEET, makeRows } from '../test/fixtures'
import { renderWithQuery } from '../test/render'
import { EnforcementCard } from './EnforcementCard'

// As `ztp-prem-enforce preflight --format json` writes it (schema/enforcement.v1).
const REPORT: EnforcementPreflight = {
  apiVersion: 'ztp-prem.tlsstress.art/v1',
  kind: 'EnforcementPreflight',
  generatedAt: '2026-12-02T05:00:00Z',
  mode: 'advisory',
  clear: false,
  nodes: { total: 12, eligible: 9, ineligibleByReason: { stale: 1, 'mode-not-allowed': 2 } },
  tierB: { namespaces: 2, pods: 7, wouldRefuse: 2, onIneligibleNodes: 1, mirrorPods: 1 },
  namespaces: [
    { name: 'payments', pods: 5, wouldRefuse: 2, onIneligibleNodes: 1 },
    { name: 'vault', pods: 2, wouldRefuse: 0, onIneligibleNodes: 0 },
  ],
  findings: [
    {
      namespace: 'payments',
      pod: 'api-0',
      node: 'n3',
      mirror: false,
      wouldRefuse: true,
      issues: ['no-placement', 'bound-to-ineligible'],
      why: 'no runtime class ztp-prem-cc; node n3 is not eligible (stale)',
    },
  ],
  findingsTruncated: false,
}
const VALID: EnforcementAnswer = { revision: 3, status: 'valid', source: 'configmap', report: REPORT }
const CLEAR: EnforcementPreflight = {
  ...REPORT,
  clear: true,
  tierB: { ...REPORT.tierB, wouldRefuse: 0, onIneligibleNodes: 0 },
  namespaces: REPORT.namespaces.map((n) => ({ ...n, wouldRefuse: 0, onIneligibleNodes: 0 })),
  findings: [],
}

function show(answer: EnforcementAnswer) {
  return render(<EnforcementCard enforcement={{ data: answer, loading: false }} />)
}

describe('EnforcementCard', () => {
  it('shows the mode in force, eligible nodes and Tier B pods at risk', () => {
    show(VALID)
    const card = screen.getByRole('region', { name: 'Enforcement readiness' })
    expect(within(card).getByTestId('enforcement-mode')).toHaveTextContent('Advisory')
    expect(screen.getByTestId('enforcement-eligible')).toHaveTextContent('9 of 12')
    expect(screen.getByTestId('enforcement-at-risk')).toHaveTextContent('1 of 7')
    expect(screen.getByTestId('enforcement-would-refuse')).toHaveTextContent('2')
    expect(screen.getByTestId('enforcement-reason-stale')).toHaveTextContent('documents too old 1')
    expect(screen.getByTestId('enforcement-reason-mode-not-allowed')).toHaveTextContent('CC mode not allowed 2')
    expect(card).toHaveTextContent('1 mirror pods (reported, never refused)')
  })

  it('breaks the pods down per namespace', () => {
    show(VALID)
    const table = screen.getByRole('table', { name: 'Tier B pods by namespace' })
    expect(within(table).getByRole('row', { name: /payments/ })).toHaveTextContent('payments521')
    expect(within(table).getByRole('row', { name: /vault/ })).toHaveTextContent('vault200')
    expect(screen.getByText('payments/api-0')).toBeInTheDocument()
    expect(screen.getByText(/node n3 is not eligible \(stale\)/)).toBeInTheDocument()
  })

  it('says to flip only at zero, and when zero is reached', () => {
    const { rerender } = show(VALID)
    expect(screen.getByTestId('enforcement-hint')).toHaveTextContent(
      'Flip to enforcing only at zero: 2 pods would be refused and 1 runs on ineligible nodes.',
    )
    rerender(<EnforcementCard enforcement={{ data: { ...VALID, report: CLEAR }, loading: false }} />)
    expect(screen.getByTestId('enforcement-hint')).toHaveTextContent(
      'Preflight is clear: enforcing would refuse nothing now, so the flip (ztp-prem-enforce mode enforcing) is safe.',
    )
    rerender(
      <EnforcementCard enforcement={{ data: { ...VALID, report: { ...CLEAR, mode: 'enforcing' } }, loading: false }} />,
    )
    expect(screen.getByTestId('enforcement-mode')).toHaveTextContent('Enforcing')
    expect(screen.getByTestId('enforcement-hint')).toHaveTextContent('Enforcing, and preflight is clear')
  })

  it('never shows figures of an invalid report, and says why there is none', () => {
    const { rerender } = show({ revision: 4, status: 'invalid', source: 'file', reason: 'report.clear: contradicts' })
    expect(screen.getByTestId('enforcement-invalid')).toHaveTextContent(
      'The enforcement report is invalid, so none of its figures are shown: report.clear: contradicts',
    )
    expect(screen.queryByTestId('enforcement-eligible')).toBeNull()
    rerender(
      <EnforcementCard
        enforcement={{ data: { revision: 2, status: 'absent', source: 'configmap', reason: 'no ConfigMap' }, loading: false }}
      />,
    )
    expect(screen.getByTestId('enforcement-absent')).toHaveTextContent('No enforcement report: no ConfigMap')
    rerender(<EnforcementCard enforcement={{ loading: false, error: new Error('/enforcement answered 500') }} />)
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load the enforcement report: /enforcement answered 500')
  })

  it('follows `event: enforcement` on the page', async () => {
    const ES = installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(3), details: {}, enforcement: VALID })
    renderWithQuery(<App />)
    expect(await screen.findByTestId('enforcement-at-risk')).toHaveTextContent('1 of 7')
    const source = ES.instances[0]
    act(() => source?.open())
    const reads = () => api.requests.filter((u) => u.pathname === '/api/v1/enforcement').length
    expect(reads()).toBe(1)
    act(() => source?.emit(3, 'enforcement')) // the revision shown: nothing to fetch
    expect(reads()).toBe(1)
    api.enforcement = { ...VALID, revision: 4, report: CLEAR }
    act(() => source?.emit(4, 'enforcement'))
    await waitFor(() => expect(screen.getByTestId('enforcement-at-risk')).toHaveTextContent('0 of 7'))
    expect(reads()).toBe(2)
    expect(api.requests.filter((u) => u.pathname === '/api/v1/fleet')).toHaveLength(1)
  })
})
