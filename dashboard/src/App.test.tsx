import { act, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from './App'
import { nodesQuery } from './api/client'
import { EMPTY_FILTERS } from './api/types'
import { installFakeApi, installFakeEventSource, nodeRequests } from './test/api'
import { FLEET, makeRows } from './test/fixtures'
import { renderWithQuery } from './test/render'

describe('page', () => {
  it('carries a visible advisory note and both cards', async () => {
    installFakeEventSource()
    installFakeApi({ fleet: FLEET, rows: makeRows(10), details: {} })
    renderWithQuery(<App />)
    expect(screen.getByRole('note')).toHaveTextContent('Advisory: detection is not attestation.')
    expect(await screen.findByTestId('cc-guests')).toHaveTextContent('320')
    expect(screen.getByTestId('tpm-readiness-ready')).toHaveTextContent('650')
    expect(screen.getByRole('region', { name: 'Rollout waves' })).toHaveTextContent('wave-1596')
  })

  it('reports invalid and stale nodes', async () => {
    installFakeEventSource()
    installFakeApi({ fleet: FLEET, rows: makeRows(10), details: {} })
    renderWithQuery(<App />)
    expect(await screen.findByTestId('invalid-banner')).toHaveTextContent('4 nodes sent invalid documents')
    expect(screen.getByTestId('stale-banner')).toHaveTextContent('31 nodes have not reported recently')
  })

  it('refetches totals and rows on a change event', async () => {
    const ES = installFakeEventSource()
    const rows = makeRows(10)
    const api = installFakeApi({ fleet: FLEET, rows, details: {} })
    renderWithQuery(<App />)
    await screen.findByText('10 nodes; 10 loaded')
    const source = ES.instances[0]
    expect(source?.url).toBe('/api/v1/events')
    act(() => source?.open())
    expect(await screen.findByText('Live')).toBeInTheDocument()

    // the first event carries the revision already shown: nothing is refetched
    const before = api.requests.length
    act(() => source?.emit(FLEET.revision))
    expect(api.requests.length).toBe(before)

    api.fleet = { ...FLEET, revision: 8, cc: { ...FLEET.cc, modes: { ...FLEET.cc.modes, tdx: 121 } } }
    api.rows = [...rows, { ...rows[0]!, name: 'node-new-01' }]
    act(() => source?.emit(8))
    await waitFor(() => expect(screen.getByTestId('cc-mode-tdx')).toHaveTextContent('121'))
    expect(await screen.findByText('11 nodes; 11 loaded')).toBeInTheDocument()
    expect(screen.getByText('node-new-01')).toBeInTheDocument()
  })

  it('does not refetch for the first event, and coalesces a burst of events', async () => {
    const ES = installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(10), details: {} })
    const fleetRequests = () => api.requests.filter((u) => u.pathname === '/api/v1/fleet').length
    renderWithQuery(<App />)
    const s = ES.instances[0]
    act(() => {
      s?.open()
      s?.emit(FLEET.revision) // the stream's greeting, while the first load is in flight
    })
    await screen.findByText('10 nodes; 10 loaded')
    expect(fleetRequests()).toBe(1)
    expect(nodeRequests(api)).toHaveLength(1)

    api.fleet = { ...FLEET, revision: 12, nodes: 1012 }
    act(() => {
      for (const r of [8, 9, 10, 11, 12]) s?.emit(r)
    })
    await waitFor(() => expect(screen.getByText(/1,012 nodes · revision 12/)).toBeInTheDocument())
    expect(fleetRequests()).toBe(2)
  })

  it('shows when live updates stop or a refresh fails, keeping the last figures', async () => {
    const ES = installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(10), details: {} })
    renderWithQuery(<App />)
    await screen.findByTestId('cc-guests')
    act(() => ES.instances[0]?.fail(true))
    expect(await screen.findByText(/Live updates stopped: these figures may be out of date/)).toBeInTheDocument()

    api.fail = { path: /^\/api\/v1\/fleet/, status: 503, error: 'not ready', times: 1 }
    act(() => ES.instances[0]?.emit(99))
    expect(await screen.findByText(/Showing the last figures received: refreshing failed/)).toBeInTheDocument()
    expect(screen.getByTestId('cc-guests')).toHaveTextContent('320')
  })

  it('refetches after reconnecting, since events may have been missed', async () => {
    const ES = installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(10), details: {} })
    renderWithQuery(<App />)
    await screen.findByText('10 nodes; 10 loaded')
    const s = ES.instances[0]
    act(() => s?.open())
    act(() => s?.fail(false))
    const n = nodeRequests(api).length
    act(() => s?.open())
    await waitFor(() => expect(nodeRequests(api).length).toBe(n + 1))
  })

  it('shows an error state when the service cannot be reached', async () => {
    installFakeEventSource()
    installFakeApi({ fleet: FLEET, rows: [], details: {}, fail: { path: /^\/api\/v1\//, status: 502, error: 'bad gateway', times: 9 } })
    renderWithQuery(<App />)
    expect(await screen.findAllByText(/Could not load fleet totals: \/fleet answered 502: bad gateway/)).toHaveLength(4)
    expect(await screen.findByText(/Could not load nodes/)).toBeInTheDocument()
  })
})

describe('nodesQuery', () => {
  it('sends only the filters that are set', () => {
    expect(nodesQuery(EMPTY_FILTERS, 500, null)).toBe('sort=name&limit=500')
    expect(nodesQuery({ ...EMPTY_FILTERS, q: ' web ', stale: 'false', sort: '-lastSeen' }, 5000, 'abc')).toBe(
      'q=web&stale=false&sort=-lastSeen&limit=1000&continue=abc',
    )
    expect(nodesQuery({ ...EMPTY_FILTERS, readiness: 'partial', missing: 'eventLog' }, 10, null)).toBe(
      'readiness=partial&missing=eventLog&sort=name&limit=10',
    )
  })
})
