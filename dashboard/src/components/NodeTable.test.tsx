import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import { installFakeApi, installFakeEventSource, nodeRequests } from '../test/api'
import { FLEET, makeRows, nodeName } from '../test/fixtures'
import { PAGE_SIZE, ROW_HEIGHT } from './NodeTable'
import { renderWithQuery } from '../test/render'

const FIFTY_K = makeRows(50_000)

function grid() {
  return screen.getByRole('grid', { name: 'Nodes' })
}
function bodyRows() {
  return within(screen.getByTestId('node-rows')).queryAllByRole('row')
}

describe('node table', () => {
  it('loads one server page of 50,000 nodes and renders only a window of rows', async () => {
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: FIFTY_K, details: {} })
    renderWithQuery(<App />)
    expect(await screen.findByText(`50,000 nodes; ${PAGE_SIZE} loaded`)).toBeInTheDocument()
    const first = nodeRequests(api)[0]
    expect(first?.get('limit')).toBe(String(PAGE_SIZE))
    expect(first?.get('sort')).toBe('name')
    expect(first?.has('continue')).toBe(false)
    // 720 px viewport / 36 px rows = 20 rows, plus overscan: far fewer than loaded.
    expect(bodyRows().length).toBeGreaterThan(15)
    expect(bodyRows().length).toBeLessThan(60)
    expect(grid()).toHaveAttribute('aria-rowcount', '50001')
    expect(bodyRows()[0]).toHaveTextContent(nodeName(0))
  })

  it('fetches the next page with the continue token as the user scrolls', async () => {
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: FIFTY_K, details: {} })
    renderWithQuery(<App />)
    await screen.findByText(`50,000 nodes; ${PAGE_SIZE} loaded`)
    // The grid is the scrolling box.
    const body = grid()
    act(() => {
      body.scrollTop = (PAGE_SIZE - 30) * ROW_HEIGHT
      fireEvent.scroll(body)
    })
    await screen.findByText(/50,000 nodes; 1,[0-9]{3} loaded/)
    const second = nodeRequests(api)[1]
    expect(second?.get('continue')).toBe(String(PAGE_SIZE))
    await waitFor(() => expect(bodyRows().some((r) => r.textContent?.includes(nodeName(PAGE_SIZE - 10)))).toBe(true))
    // Nowhere near all rows were requested.
    const fetched = nodeRequests(api).reduce((n, p) => n + Number(p.get('limit')), 0)
    expect(fetched).toBeLessThan(5_000)
  })

  it('sorts on the server when a column header is activated', async () => {
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(300), details: {} })
    renderWithQuery(<App />)
    await screen.findByText('300 nodes; 300 loaded')
    const nodeHeader = screen.getByRole('columnheader', { name: 'Node' })
    expect(nodeHeader).toHaveAttribute('aria-sort', 'ascending')
    await userEvent.click(within(nodeHeader).getByRole('button'))
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('sort')).toBe('-name'))
    await waitFor(() => expect(bodyRows()[0]).toHaveTextContent(nodeName(299)))
    expect(screen.getByRole('columnheader', { name: 'Node' })).toHaveAttribute('aria-sort', 'descending')
    await userEvent.click(within(screen.getByRole('columnheader', { name: 'Last seen' })).getByRole('button'))
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('sort')).toBe('-lastSeen'))
    expect(window.location.search).toContain('sort=-lastSeen')
  })

  it('is keyboard-usable: arrows move the active row, Enter opens it', async () => {
    installFakeEventSource()
    installFakeApi({ fleet: FLEET, rows: makeRows(300), details: {} })
    renderWithQuery(<App />)
    await screen.findByText('300 nodes; 300 loaded')
    grid().focus()
    await userEvent.keyboard('{ArrowDown}{ArrowDown}')
    const active = document.getElementById(grid().getAttribute('aria-activedescendant') ?? '')
    expect(active).toHaveTextContent(nodeName(2))
    await userEvent.keyboard('{Enter}')
    expect(await screen.findByRole('heading', { level: 2, name: nodeName(2) })).toHaveFocus()
    await userEvent.keyboard('{Escape}')
    expect(screen.queryByRole('heading', { level: 2, name: nodeName(2) })).toBeNull()
    expect(grid()).toHaveFocus()
    await userEvent.keyboard('{End}')
    // jsdom does not scroll: move the viewport where scrollToIndex asked for.
    // jsdom: the grid scrolls; its header row (one ROW_HEIGHT) sits above the rows.
    const body = grid()
    act(() => {
      body.scrollTop = ROW_HEIGHT + 300 * ROW_HEIGHT - 720
      fireEvent.scroll(body)
    })
    expect(document.getElementById(grid().getAttribute('aria-activedescendant') ?? '')).toHaveTextContent(nodeName(299))
  })

  it('marks invalid, stale and partial rows in words, not only colour', async () => {
    installFakeEventSource()
    installFakeApi({ fleet: FLEET, rows: makeRows(20), details: {} })
    renderWithQuery(<App />)
    await screen.findByText('20 nodes; 20 loaded')
    const invalid = bodyRows().find((r) => r.textContent?.includes(nodeName(5)))
    expect(invalid).toHaveTextContent('Invalid: cc: mode: "sev-tio" is not a CC mode')
    expect(bodyRows().find((r) => r.textContent?.includes(nodeName(3)))).toHaveTextContent('Stale')
    expect(bodyRows().find((r) => r.textContent?.includes(nodeName(7)))).toHaveTextContent('Partial: no TPM document')
  })

  it('marks a node whose quoted boot state changed, with the audit seq', async () => {
    installFakeEventSource()
    const rows = makeRows(20).map((r, i) => (i === 2 ? { ...r, bootStateChangedAt: 41 } : { ...r, bootStateChangedAt: null }))
    installFakeApi({ fleet: FLEET, rows, details: {} })
    renderWithQuery(<App />)
    await screen.findByText('20 nodes; 20 loaded')
    const changed = bodyRows().find((r) => r.textContent?.includes(nodeName(2)))
    expect(changed).toHaveTextContent('boot changed: at audit seq 41')
    expect(bodyRows().filter((r) => r.textContent?.includes('boot changed'))).toHaveLength(1)
  })

  it('says so when no node matches, and clears the filters', async () => {
    installFakeEventSource()
    window.history.replaceState(null, '', '/admin/ztp-prem/?q=nothing-like-this')
    installFakeApi({ fleet: FLEET, rows: makeRows(50), details: {} })
    renderWithQuery(<App />)
    expect(await screen.findByText('No nodes match these filters.')).toBeInTheDocument()
    await userEvent.click(within(screen.getByTestId('node-rows')).getByRole('button', { name: 'Clear filters' }))
    expect(await screen.findByText('50 nodes; 50 loaded')).toBeInTheDocument()
  })

  it('reports a failed request and retries it', async () => {
    installFakeEventSource()
    const api = installFakeApi({
      fleet: FLEET,
      rows: makeRows(50),
      details: {},
      fail: { path: /^\/api\/v1\/nodes\?/, status: 500, error: 'model not ready', times: 1 },
    })
    renderWithQuery(<App />)
    expect(await screen.findByText(/Could not load nodes: .*500: model not ready/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(await screen.findByText('50 nodes; 50 loaded')).toBeInTheDocument()
    expect(nodeRequests(api)).toHaveLength(2)
  })

  it('does not hammer the service when a further page fails; Retry asks again', async () => {
    installFakeEventSource()
    const api = installFakeApi({
      fleet: FLEET,
      rows: FIFTY_K,
      details: {},
      fail: { path: /continue=/, status: 503, error: 'busy', times: 2 },
    })
    renderWithQuery(<App />)
    await screen.findByText(`50,000 nodes; ${PAGE_SIZE} loaded`)
    // The grid is the scrolling box.
    const body = grid()
    act(() => {
      body.scrollTop = (PAGE_SIZE - 30) * ROW_HEIGHT
      fireEvent.scroll(body)
    })
    expect(await screen.findByText(/Could not load nodes: .*503: busy/)).toBeInTheDocument()
    await new Promise((r) => setTimeout(r, 300))
    const continued = () => nodeRequests(api).filter((p) => p.has('continue')).length
    expect(continued()).toBe(1)
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(continued()).toBe(2))
    await userEvent.click(await screen.findByRole('button', { name: 'Retry' }))
    expect(await screen.findByText(/50,000 nodes; 1,[0-9]{3} loaded/)).toBeInTheDocument()
  })
})
