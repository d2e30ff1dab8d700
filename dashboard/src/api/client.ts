import type { FleetSummary, NodeDetail, NodeFilters, NodesPage } from './types'

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

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response
  try {
    response = await fetch(API_BASE + path, { signal, headers: { Accept: 'application/json' } })
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

export type LiveState = 'connecting' | 'live' | 'disconnected'

// Follows GET /api/v1/events (Server-Sent Events, `event: fleet`, data {"revision": N}).
// EventSource reconnects by itself; onState tells the page whether updates flow.
export function subscribeFleetEvents(
  onRevision: (revision: number) => void,
  onState: (state: LiveState) => void,
): () => void {
  if (typeof EventSource === 'undefined') {
    onState('disconnected')
    return () => {}
  }
  const source = new EventSource(`${API_BASE}/events`)
  onState('connecting')
  source.onopen = () => onState('live')
  source.onerror = () => onState(source.readyState === EventSource.CLOSED ? 'disconnected' : 'connecting')
  source.addEventListener('fleet', (event) => {
    try {
      const data = JSON.parse((event as MessageEvent<string>).data) as { revision?: unknown }
      if (typeof data.revision === 'number') onRevision(data.revision)
    } catch {
      // a malformed event is ignored; the next one carries the revision again
    }
  })
  return () => source.close()
}
