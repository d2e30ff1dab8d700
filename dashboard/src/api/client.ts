import { EventSource as FetchEventSource } from 'eventsource'
import type { EnforcementAnswer, FleetSummary, NodeDetail, NodeFilters, NodesPage } from './types'

// The service mounts its API at /api/v1 on the same origin as the page (issue 5).
export const API_BASE = '/api/v1'
// GET /api/v1/nodes caps limit at 1000 (fleet API).
export const MAX_PAGE_LIMIT = 1000

export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

// A service started with --token-file wants `Authorization: Bearer <token>` on every
// /api request (docs/fleet-api.md). The page keeps the token for the browser tab only
// (sessionStorage), taken from a `#token=` fragment, which never reaches a server or a
// log, or typed into the page after a 401.
const TOKEN_KEY = 'ztp-prem.token'

export function getToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token)
    else window.sessionStorage.removeItem(TOKEN_KEY)
  } catch {
    // storage disabled: the token lasts as long as this call chain, which is all we can do
  }
}

// Moves a `#token=...` fragment into session storage and removes it from the address bar.
export function adoptTokenFromFragment(): void {
  const hash = window.location.hash.replace(/^#/, '')
  if (!hash) return
  const params = new URLSearchParams(hash)
  const token = params.get('token')
  if (!token) return
  setToken(token)
  params.delete('token')
  const rest = params.toString()
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`)
}

function authHeaders(): Record<string, string> {
  const token = getToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response
  try {
    response = await fetch(API_BASE + path, { signal, headers: { Accept: 'application/json', ...authHeaders() } })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, `cannot reach the fleet service (${(e as Error).message})`)
  }
  if (!response.ok) {
    let reason = response.statusText
    try {
      const body = (await response.json()) as { error?: string; message?: string }
      reason = body.error ?? body.message ?? reason
    } catch {
      // body is not JSON: keep the status text
    }
    throw new ApiError(response.status, `${path} answered ${response.status}${reason ? `: ${reason}` : ''}`)
  }
  return (await response.json()) as T
}

export function fetchFleet(signal?: AbortSignal): Promise<FleetSummary> {
  return getJson<FleetSummary>('/fleet', signal)
}

// Only set filters become parameters, so the URL stays short and cacheable.
export function nodesQuery(filters: NodeFilters, limit: number, cont: string | null): string {
  const params = new URLSearchParams()
  if (filters.q.trim()) params.set('q', filters.q.trim())
  if (filters.mode) params.set('mode', filters.mode)
  if (filters.family) params.set('family', filters.family)
  if (filters.readiness) params.set('readiness', filters.readiness)
  if (filters.missing) params.set('missing', filters.missing)
  if (filters.stale) params.set('stale', filters.stale)
  if (filters.wave) params.set('wave', filters.wave)
  params.set('sort', filters.sort)
  params.set('limit', String(Math.min(limit, MAX_PAGE_LIMIT)))
  if (cont) params.set('continue', cont)
  return params.toString()
}

export function fetchNodes(
  filters: NodeFilters,
  limit: number,
  cont: string | null,
  signal?: AbortSignal,
): Promise<NodesPage> {
  return getJson<NodesPage>(`/nodes?${nodesQuery(filters, limit, cont)}`, signal)
}

export function fetchNode(name: string, signal?: AbortSignal): Promise<NodeDetail> {
  return getJson<NodeDetail>(`/nodes/${encodeURIComponent(name)}`, signal)
}

export function fetchEnforcement(signal?: AbortSignal): Promise<EnforcementAnswer> {
  return getJson<EnforcementAnswer>('/enforcement', signal)
}

export type LiveState = 'connecting' | 'live' | 'disconnected'

// The revision an event carries, or undefined for a malformed one (ignored: the next event
// carries the revision again).
function eventRevision(event: Event): number | undefined {
  try {
    const data = JSON.parse((event as MessageEvent<string>).data) as { revision?: unknown }
    return typeof data.revision === 'number' ? data.revision : undefined
  } catch {
    return undefined
  }
}

// Follows GET /api/v1/events (Server-Sent Events, `event: fleet` and `event: enforcement`,
// data {"revision": N}).
// EventSource reconnects by itself; onState tells the page whether updates flow.
// The browser's EventSource cannot send an Authorization header, so with a token the
// `eventsource` package (the same interface over fetch) carries it.
export function subscribeFleetEvents(
  onRevision: (revision: number) => void,
  onState: (state: LiveState) => void,
  onEnforcement?: (revision: number) => void,
): () => void {
  const token = getToken()
  const url = `${API_BASE}/events`
  let source: EventSource | FetchEventSource
  if (token) {
    source = new FetchEventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }),
    })
  } else if (typeof EventSource !== 'undefined') {
    source = new EventSource(url)
  } else {
    onState('disconnected')
    return () => {}
  }
  onState('connecting')
  source.onopen = () => onState('live')
  // readyState 2 = CLOSED (HTML Living Standard, 9.2.2 The EventSource interface).
  source.onerror = () => onState(source.readyState === 2 ? 'disconnected' : 'connecting')
  source.addEventListener('fleet', (event) => {
    const revision = eventRevision(event)
    if (revision !== undefined) onRevision(revision)
  })
  // `event: enforcement`: the enforcement report changed (its own revision).
  source.addEventListener('enforcement', (event) => {
    const revision = eventRevision(event)
    if (revision !== undefined) onEnforcement?.(revision)
  })
  return () => source.close()
}
