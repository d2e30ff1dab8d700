import { act, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import { installFakeApi, installFakeEventSource, nodeRequests } from '../test/api'
import { FLEET, makeRows } from '../test/fixtures'
import { renderWithQuery } from '../test/render'

const ROWS = makeRows(1200)

async function setup() {
  installFakeEventSource()
  const api = installFakeApi({ fleet: FLEET, rows: ROWS, details: {} })
  renderWithQuery(<App />)
  await screen.findByText('1,200 nodes; 500 loaded')
  return api
}

describe('filters', () => {
  it('go to the server as query parameters and restart paging', async () => {
    const api = await setup()
    const user = userEvent.setup()
    await user.selectOptions(screen.getByLabelText('CC mode'), 'tdx')
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('mode')).toBe('tdx'))
    const expected = ROWS.filter((r) => r.mode === 'tdx').length
    expect(await screen.findByText(`${expected} nodes match; ${expected} loaded`)).toBeInTheDocument()
    expect(nodeRequests(api).at(-1)?.has('continue')).toBe(false)
  })

  it('combine, and the page URL follows them', async () => {
    const api = await setup()
    const user = userEvent.setup()
    await user.selectOptions(screen.getByLabelText('CC mode'), 'tdx')
    await user.selectOptions(screen.getByLabelText('TPM family'), 'tpm2-rm')
    await user.selectOptions(screen.getByLabelText('Readiness'), 'ready')
    await user.selectOptions(screen.getByLabelText('Freshness'), 'true')
    await user.selectOptions(screen.getByLabelText('Wave'), 'wave-2')
    await waitFor(() => {
      const p = nodeRequests(api).at(-1)
      expect(p?.get('family')).toBe('tpm2-rm')
      expect(p?.get('readiness')).toBe('ready')
      expect(p?.get('stale')).toBe('true')
      expect(p?.get('wave')).toBe('wave-2')
      expect(p?.get('mode')).toBe('tdx')
    })
    expect(window.location.search).toBe('?mode=tdx&family=tpm2-rm&readiness=ready&stale=true&wave=wave-2')
  })

  it('filter by a missing measured-boot part, kept in the page URL', async () => {
    const api = await setup()
    const user = userEvent.setup()
    const select = screen.getByLabelText('Missing part')
    expect(Array.from((select as HTMLSelectElement).options).map((o) => o.value)).toEqual([
      '',
      'tpm2',
      'driver',
      'hardwareChip',
      'resourceManager',
      'eventLog',
    ])
    await user.selectOptions(select, 'resourceManager')
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('missing')).toBe('resourceManager'))
    const expected = ROWS.filter((r) => r.missingParts.includes('resourceManager')).length
    expect(expected).toBeGreaterThan(0)
    expect(await screen.findByText(`${expected} nodes match; ${expected} loaded`)).toBeInTheDocument()
    expect(window.location.search).toBe('?missing=resourceManager')
    await user.selectOptions(screen.getByLabelText('Readiness'), 'partial')
    await waitFor(() => {
      const p = nodeRequests(api).at(-1)
      expect(p?.get('missing')).toBe('resourceManager')
      expect(p?.get('readiness')).toBe('partial')
    })
    const requests = nodeRequests(api).length
    await user.click(screen.getByRole('button', { name: 'Clear filters' }))
    // Back to the unfiltered list. No change was announced since it was read, so it comes
    // from the query cache: no new request, and none with a missing part.
    expect(await screen.findByText('1,200 nodes; 500 loaded')).toBeInTheDocument()
    expect(screen.getByLabelText('Missing part')).toHaveValue('')
    expect(window.location.search).toBe('')
    expect(nodeRequests(api)).toHaveLength(requests)
  })

  it('ask the server again for a cached filter once a change was announced', async () => {
    const ES = installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: ROWS, details: {} })
    renderWithQuery(<App />)
    await screen.findByText('1,200 nodes; 500 loaded')
    const user = userEvent.setup()
    await user.selectOptions(screen.getByLabelText('Missing part'), 'resourceManager')
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('missing')).toBe('resourceManager'))
    // The fleet changes while the unfiltered list is not shown...
    api.rows = ROWS.slice(0, 1100)
    api.fleet = { ...FLEET, revision: FLEET.revision + 1 }
    act(() => ES.instances[0]?.emit(FLEET.revision + 1))
    await waitFor(() => expect(nodeRequests(api).filter((p) => p.get('missing') === 'resourceManager').length).toBe(2))
    // ...so going back to it reads it again instead of showing the cached rows.
    await user.selectOptions(screen.getByLabelText('Missing part'), '')
    expect(await screen.findByText('1,100 nodes; 500 loaded')).toBeInTheDocument()
    expect(nodeRequests(api).at(-1)?.has('missing')).toBe(false)
  })

  it('a missing part is restored from the page URL; an unknown one is dropped', async () => {
    window.history.replaceState(null, '', '/admin/ztp-prem/?missing=resourceManager')
    installFakeEventSource()
    let api = installFakeApi({ fleet: FLEET, rows: ROWS, details: {} })
    const { unmount } = renderWithQuery(<App />)
    await waitFor(() => expect(nodeRequests(api)[0]?.get('missing')).toBe('resourceManager'))
    expect(screen.getByLabelText('Missing part')).toHaveValue('resourceManager')
    unmount()
    window.history.replaceState(null, '', '/admin/ztp-prem/?missing=firmware')
    api = installFakeApi({ fleet: FLEET, rows: ROWS, details: {} })
    renderWithQuery(<App />)
    await waitFor(() => expect(nodeRequests(api).length).toBeGreaterThan(0))
    expect(nodeRequests(api)[0]?.has('missing')).toBe(false)
  })

  it('search is debounced into one q= request', async () => {
    const api = await setup()
    const before = nodeRequests(api).length
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'node-0111')
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('q')).toBe('node-0111'))
    expect(nodeRequests(api).length).toBe(before + 1)
    expect(await screen.findByText('10 nodes match; 10 loaded')).toBeInTheDocument()
  })

  it('offers the waves the fleet reports, sorted', async () => {
    await setup()
    const options = Array.from((screen.getByLabelText('Wave') as HTMLSelectElement).options).map((o) => o.value)
    expect(options).toEqual(['', 'wave-1', 'wave-2'])
  })

  it('are restored from the page URL and cleared with one button', async () => {
    window.history.replaceState(null, '', '/admin/ztp-prem/?readiness=partial&mode=bogus')
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: ROWS, details: {} })
    renderWithQuery(<App />)
    const partial = ROWS.filter((r) => r.readiness === 'partial').length
    expect(await screen.findByText(`${partial} nodes match; ${partial} loaded`)).toBeInTheDocument()
    expect(nodeRequests(api)[0]?.get('readiness')).toBe('partial')
    expect(nodeRequests(api)[0]?.has('mode')).toBe(false) // unknown values are dropped
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
    expect(await screen.findByText('1,200 nodes; 500 loaded')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Clear filters' })).toBeDisabled()
  })

  it('are set from the cards and the wave breakdown', async () => {
    const api = await setup()
    await userEvent.click(screen.getByRole('button', { name: /140 nodes partial/ }))
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('readiness')).toBe('partial'))
    expect(screen.getByLabelText('Readiness')).toHaveValue('partial')
    const wave = screen.getByRole('button', { name: 'wave-1' })
    await userEvent.click(wave)
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('wave')).toBe('wave-1'))
    expect(screen.getByRole('button', { name: 'wave-1' })).toHaveAttribute('aria-pressed', 'true')
  })

  it('are set from the missing-part chips of the TPM card', async () => {
    installFakeEventSource()
    const rm = ROWS.filter((r) => r.missingParts.includes('resourceManager')).length
    const fleet = { ...FLEET, tpm: { ...FLEET.tpm, missingParts: { tpm2: 0, driver: 0, hardwareChip: 0, resourceManager: rm, eventLog: 0 } } }
    const api = installFakeApi({ fleet, rows: ROWS, details: {} })
    renderWithQuery(<App />)
    await screen.findByText('1,200 nodes; 500 loaded')
    const chip = screen.getByRole('button', { name: `no resource manager: ${rm} nodes, show them in the table` })
    await userEvent.click(chip)
    await waitFor(() => expect(nodeRequests(api).at(-1)?.get('missing')).toBe('resourceManager'))
    expect(await screen.findByText(`${rm} nodes match; ${rm} loaded`)).toBeInTheDocument()
    expect(screen.getByLabelText('Missing part')).toHaveValue('resourceManager')
    expect(chip).toHaveAttribute('aria-pressed', 'true')
    expect(window.location.search).toBe('?missing=resourceManager')
  })
})
