import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { App } from '../App'
import { installFakeApi, installFakeEventSource } from '../test/api'
import { FLEET, makeRows } from '../test/fixtures'
import { renderWithQuery } from '../test/render'

// The `eventsource` package carries the token on the event stream; record how it is built.
const streams = vi.hoisted(() => [] as { url: string; init: { fetch: (u: string, i: { headers: Record<string, string> }) => unknown } }[])
vi.mock('eventsource', () => ({
  EventSource: class {
    readyState = 0
    onopen = null
    onerror = null
    constructor(url: string, init: (typeof streams)[number]['init']) {
      streams.push({ url, init })
    }
    addEventListener() {}
    close() {}
  },
}))

afterEach(() => {
  window.sessionStorage.clear()
  streams.length = 0
})

describe('bearer token', () => {
  it('is asked for after a 401 and then sent on every request and on the event stream', async () => {
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(5), details: {}, token: 's3cret' })
    renderWithQuery(<App />)
    expect(await screen.findByText('This fleet service requires a bearer token (its --token-file).')).toBeInTheDocument()
    expect(screen.queryByText(/Showing the last figures/)).toBeNull()

    await userEvent.type(screen.getByLabelText('Bearer token'), 'wrong')
    await userEvent.click(screen.getByRole('button', { name: 'Use token' }))
    expect(await screen.findByText(/refused the bearer token/)).toBeInTheDocument()

    await userEvent.clear(screen.getByLabelText('Bearer token'))
    await userEvent.type(screen.getByLabelText('Bearer token'), 's3cret')
    await userEvent.click(screen.getByRole('button', { name: 'Use token' }))
    expect(await screen.findByText('5 nodes; 5 loaded')).toBeInTheDocument()
    await waitFor(() => expect(screen.queryByLabelText('Bearer token')).toBeNull())
    expect(api.headers.at(-1)?.get('Authorization')).toBe('Bearer s3cret')
    expect(window.sessionStorage.getItem('ztp-prem.token')).toBe('s3cret')

    const stream = streams.at(-1)
    expect(stream?.url).toBe('/api/v1/events')
    await stream?.init.fetch('/api/v1/events', { headers: { Accept: 'text/event-stream' } })
    expect(api.headers.at(-1)?.get('Authorization')).toBe('Bearer s3cret')
    expect(api.headers.at(-1)?.get('Accept')).toBe('text/event-stream')
  })

  it('is taken from a #token= fragment, which leaves the address bar', async () => {
    window.history.replaceState(null, '', '/admin/ztp-prem/?mode=tdx#token=frag-token')
    installFakeEventSource()
    const api = installFakeApi({ fleet: FLEET, rows: makeRows(50), details: {}, token: 'frag-token' })
    renderWithQuery(<App />)
    expect(await screen.findByTestId('cc-guests')).toBeInTheDocument()
    expect(api.headers.every((h) => h.get('Authorization') === 'Bearer frag-token')).toBe(true)
    expect(window.location.hash).toBe('')
    expect(window.location.search).toBe('?mode=tdx')
  })
})
