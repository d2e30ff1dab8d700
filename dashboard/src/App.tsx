import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { adoptTokenFromFragment, ApiError, getToken, setToken } from './api/client'
import type { LiveState } from './api/client'
import { useEnforcement, useFleet, useNodePages } from './api/hooks'
import { useLiveUpdates } from './api/live'
import { API_KEY } from './api/queryClient'
import type { NodeFilters } from './api/types'
import { AttestationCard } from './components/AttestationCard'
import { CCStatusCard } from './components/CCStatusCard'
import { EnforcementCard } from './components/EnforcementCard'
import { Filters, hasActiveFilters } from './components/Filters'
import { NodeDetailPanel } from './components/NodeDetailPanel'
import { NodeTable, PAGE_SIZE } from './components/NodeTable'
import { TokenForm } from './components/TokenForm'
import { TPMReadinessCard } from './components/TPMReadinessCard'
import { WaveCard } from './components/WaveCard'
import { count } from './format'
import { filtersFromSearch, searchFromFilters } from './url'

// "3 min ago" labels are recomputed this often.
const CLOCK_TICK_MS = 15_000

const LIVE_LABEL: Record<LiveState, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live',
  disconnected: 'Live updates stopped',
}

// Needs a QueryClientProvider (main.tsx; tests: src/test/render.tsx).
export function App() {
  const queryClient = useQueryClient()
  const [initial] = useState(() => {
    adoptTokenFromFragment()
    return filtersFromSearch(window.location.search)
  })
  const [authVersion, setAuthVersion] = useState(0)
  const [filters, setFilters] = useState<NodeFilters>(initial.filters)
  const [selected, setSelected] = useState<string | null>(initial.node)
  const [now, setNow] = useState(() => Date.now())
  const live = useLiveUpdates(authVersion)

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), CLOCK_TICK_MS)
    return () => clearInterval(t)
  }, [])

  useEffect(() => {
    const search = searchFromFilters(filters, selected)
    if (search !== window.location.search) {
      window.history.replaceState(null, '', `${window.location.pathname}${search}`)
    }
  }, [filters, selected])

  const fleet = useFleet()
  const enforcement = useEnforcement()
  const pages = useNodePages(filters, PAGE_SIZE)

  // The same values again keep the same object, so nothing is refetched.
  const onFilter = useCallback(
    (patch: Partial<NodeFilters>) =>
      setFilters((f) =>
        (Object.keys(patch) as (keyof NodeFilters)[]).every((k) => f[k] === patch[k]) ? f : { ...f, ...patch },
      ),
    [],
  )
  const tableRef = useRef<HTMLDivElement>(null)
  const closeDetail = useCallback(() => {
    setSelected(null)
    tableRef.current?.querySelector<HTMLElement>('[role="grid"]')?.focus()
  }, [])

  const summary = fleet.data
  const waves = useMemo(() => (summary ? summary.waves.map((w) => w.wave).sort() : []), [summary])
  const unauthorized = [fleet.error, pages.error].some((e) => e instanceof ApiError && e.status === 401)
  // A new token: a new event stream, and every refused request asked again.
  const applyToken = useCallback(
    (token: string) => {
      setToken(token)
      setAuthVersion((v) => v + 1)
      void queryClient.invalidateQueries({ queryKey: API_KEY })
    },
    [queryClient],
  )
  const staleData = !unauthorized && summary !== undefined && (fleet.error !== undefined || live === 'disconnected')

  return (
    <div className={selected ? 'app with-detail' : 'app'}>
      <a className="skip-link" href="#nodes">
        Skip to the node table
      </a>
      <header className="top">
        <h1>ztp-prem fleet</h1>
        <p className={`live live-${live}`}>
          <span className="live-dot" aria-hidden="true" />
          <span role="status" aria-live="polite">
            {LIVE_LABEL[live]}
          </span>
          {summary ? (
            <span className="meta">
              {' '}
              · {count(summary.nodes)} nodes · revision {summary.revision} · updated{' '}
              <time dateTime={summary.generatedAt}>{summary.generatedAt}</time>
            </span>
          ) : null}
        </p>
      </header>

      {/* Everything but the header and the detail panel sits in <main>: no content outside a landmark. */}
      <main>
        <p className="advisory" role="note">
          <strong>Advisory: detection is not attestation.</strong> These figures are what each node’s probes observed
          on the node itself. They help plan and track a rollout; they are not cryptographic evidence that a node is
          a confidential guest or that its TPM is trustworthy.
        </p>

        {unauthorized ? <TokenForm rejected={getToken() !== null} onSubmit={applyToken} /> : null}
        {staleData ? (
          <p className="banner banner-stale" role="alert">
            {fleet.error
              ? `Showing the last figures received: refreshing failed (${fleet.error.message}).`
              : 'Live updates stopped: these figures may be out of date. Reload the page to reconnect.'}
          </p>
        ) : null}
        {summary && summary.invalid > 0 ? (
          <p className="banner banner-invalid" role="status" data-testid="invalid-banner">
            {count(summary.invalid)} {summary.invalid === 1 ? 'node sent an invalid document' : 'nodes sent invalid documents'}{' '}
            (schema failure or over the size limit); they are left out of the counts and marked “Invalid” in the table.
          </p>
        ) : null}
        {summary && summary.stale > 0 ? (
          <p className="banner banner-stale-nodes" role="status" data-testid="stale-banner">
            {count(summary.stale)} {summary.stale === 1 ? 'node has' : 'nodes have'} not reported recently (stale).{' '}
            <button type="button" className="link" onClick={() => onFilter({ stale: 'true' })}>
              Show stale nodes
            </button>
          </p>
        ) : null}

        <div className="cards">
          <CCStatusCard summary={summary} loading={fleet.loading} error={fleet.error} onFilter={onFilter} />
          <TPMReadinessCard
            summary={summary}
            loading={fleet.loading}
            error={fleet.error}
            activeMissing={filters.missing}
            onFilter={onFilter}
          />
          <AttestationCard summary={summary} loading={fleet.loading} error={fleet.error} />
          <WaveCard
            summary={summary}
            loading={fleet.loading}
            error={fleet.error}
            activeWave={filters.wave}
            onFilter={onFilter}
          />
          <EnforcementCard enforcement={enforcement} />
        </div>

        <section className="nodes" aria-labelledby="nodes" ref={tableRef}>
          <h2 id="nodes" tabIndex={-1}>
            Nodes
          </h2>
          <Filters filters={filters} waves={waves} onChange={onFilter} />
          <NodeTable
            pages={pages}
            queryKey={searchFromFilters(filters, null)}
            sort={filters.sort}
            filtered={hasActiveFilters(filters)}
            selected={selected}
            now={now}
            onSort={(sort) => onFilter({ sort })}
            onSelect={setSelected}
            onClearFilters={() => setFilters((f) => ({ ...f, q: '', mode: '', family: '', readiness: '', missing: '', stale: '', wave: '' }))}
          />
        </section>
      </main>
      {selected ? <NodeDetailPanel name={selected} now={now} onClose={closeDetail} /> : null}
    </div>
  )
}
