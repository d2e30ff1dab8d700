// A fake fleet service for unit tests: fetch is replaced by a router over plain
// data, so the components run their real request code against known answers.
import { vi } from 'vitest'
import type { EnforcementAnswer, FleetSummary, NodeDetail, NodeRow, NodesPage } from '../api/types'

export interface FakeApi {
  fleet: FleetSummary
  rows: NodeRow[]
  details: Record<string, Omit<NodeDetail, 'row'>>
  enforcement?: EnforcementAnswer // GET /api/v1/enforcement; default: absent
  fail?: { path: RegExp; status: number; error: string; times?: number }
  token?: string // when set, /api requests need `Authorization: Bearer <token>`
  requests: URL[]
  headers: Headers[]
  fetch: ReturnType<typeof vi.fn>
}

export function nodeRequests(api: FakeApi): URLSearchParams[] {
  return api.requests.filter((u) => u.pathname === '/api/v1/nodes').map((u) => u.searchParams)
}

function respond(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

// Filters, sorting and paging as docs/fleet-api.md specifies them (continue = offset).
function page(rows: NodeRow[], p: URLSearchParams, revision: number): NodesPage {
  let out = rows
  for (const key of ['mode', 'family', 'readiness', 'wave'] as const) {
    const v = p.get(key)
    if (v) out = out.filter((r) => r[key] === v)
  }
  const missing = p.get('missing')
  if (missing) out = out.filter((r) => r.missingParts.includes(missing))
  const stale = p.get('stale')
  if (stale) out = out.filter((r) => String(r.stale) === stale)
  const q = p.get('q')
  if (q) out = out.filter((r) => r.name.includes(q))
  const sort = p.get('sort') ?? 'name'
  const desc = sort.startsWith('-')
  const key = (desc ? sort.slice(1) : sort) as keyof NodeRow
  out = [...out].sort((a, b) => {
    const x = String(a[key] ?? '\uffff')
    const y = String(b[key] ?? '\uffff')
    const c = x < y ? -1 : x > y ? 1 : 0
    return (desc ? -c : c) || (a.name < b.name ? -1 : 1)
  })
  const limit = Number(p.get('limit') ?? 100)
  const offset = Number(p.get('continue') ?? 0)
  return {
    items: out.slice(offset, offset + limit),
    total: out.length,
    continue: offset + limit < out.length ? String(offset + limit) : null,
    revision,
  }
}

export const NO_ENFORCEMENT: EnforcementAnswer = {
  revision: 1,
  status: 'absent',
  source: 'configmap',
  reason: 'no ConfigMap ztp-prem-enforcement in namespace ztp-prem',
}

export function installFakeApi(init: Omit<FakeApi, 'requests' | 'headers' | 'fetch'>): FakeApi {
  const api = { ...init, requests: [] as URL[], headers: [] as Headers[] } as FakeApi
  api.fetch = vi.fn(async (input: RequestInfo | URL, reqInit?: RequestInit) => {
    const url = new URL(String(input), 'http://fleet.test')
    const headers = new Headers(reqInit?.headers)
    api.requests.push(url)
    api.headers.push(headers)
    if (api.token !== undefined && headers.get('Authorization') !== `Bearer ${api.token}`) {
      return respond(401, { error: 'missing or wrong bearer token' })
    }
    if (api.fail && api.fail.path.test(url.pathname + url.search) && (api.fail.times ?? 1) > 0) {
      api.fail.times = (api.fail.times ?? 1) - 1
      return respond(api.fail.status, { error: api.fail.error })
    }
    if (url.pathname === '/api/v1/fleet') return respond(200, api.fleet)
    if (url.pathname === '/api/v1/enforcement') return respond(200, api.enforcement ?? NO_ENFORCEMENT)
    if (url.pathname === '/api/v1/nodes') return respond(200, page(api.rows, url.searchParams, api.fleet.revision))
    const m = /^\/api\/v1\/nodes\/(.+)$/.exec(url.pathname)
    if (m) {
      const name = decodeURIComponent(m[1] ?? '')
      const row = api.rows.find((r) => r.name === name)
      if (!row) return respond(404, { error: `no node ${name}` })
      return respond(200, { row, ...(api.details[name] ?? { cc: null, tpm: null }) })
    }
    return respond(404, { error: 'not found' })
  })
  vi.stubGlobal('fetch', api.fetch)
  return api
}

// EventSource stand-in: tests push `fleet` events and connection changes.
export class FakeEventSource {
  static instances: FakeEventSource[] = []
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2
  readonly url: string
  readyState = 0
  onopen: (() => void) | null = null
  onerror: (() => void) | null = null
  private listeners: { type: string; fn: (e: MessageEvent<string>) => void }[] = []
  constructor(url: string) {
    this.url = url
    FakeEventSource.instances.push(this)
  }
  addEventListener(type: string, fn: (e: MessageEvent<string>) => void) {
    this.listeners.push({ type, fn })
  }
  close() {
    this.readyState = 2
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  emit(revision: number, type = 'fleet') {
    for (const l of this.listeners) {
      if (l.type === type) l.fn(new MessageEvent(type, { data: JSON.stringify({ revision }) }))
    }
  }
  fail(closed: boolean) {
    this.readyState = closed ? 2 : 0
    this.onerror?.()
  }
}

export function installFakeEventSource(): typeof FakeEventSource {
  FakeEventSource.instances = []
  vi.stubGlobal('EventSource', FakeEventSource)
  return FakeEventSource
}
