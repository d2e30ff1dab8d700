import { memo } from 'react'
import type { CCMode, FleetSummary, HostCapability, NodeFilters } from '../api/types'
import { CC_MODES, HOST_CAPABILITIES } from '../api/types'
import { CC_MODE, CC_MODE_COLOURS } from '../api/vocabulary'
import { count, label, MODE_LABEL, percent } from '../format'
import { BreakdownTable } from './BreakdownTable'
import { NodesChart } from './NodesChart'

// Every mode but "not a guest" and "cannot tell" is a CC guest.
const GUEST_MODES: CCMode[] = CC_MODES.filter((m) => m !== CC_MODE.none && m !== CC_MODE.unknown)

export interface CCStatusCardProps {
  summary?: FleetSummary
  loading: boolean
  error?: Error
  onFilter?: (patch: Partial<NodeFilters>) => void
}

// Fleet CC coverage: which share of nodes runs as a CC guest, by mode; how many
// can host CC guests, by type; and which nodes are unknown, missing or stale.
// Memoised: filter changes re-render the page but leave the totals alone.
export const CCStatusCard = memo(function CCStatusCard({ summary, loading, error, onFilter }: CCStatusCardProps) {
  return (
    <section className="card" aria-labelledby="cc-card-title" aria-busy={loading}>
      <h2 id="cc-card-title">Confidential Computing coverage</h2>
      {summary ? <CCBody summary={summary} onFilter={onFilter} /> : <CardPlaceholder loading={loading} error={error} />}
    </section>
  )
})

export function CardPlaceholder({ loading, error }: { loading: boolean; error?: Error }) {
  if (error) {
    return (
      <p className="state state-error" role="alert">
        Could not load fleet totals: {error.message}
      </p>
    )
  }
  return <p className="state state-loading">{loading ? 'Loading fleet totals…' : 'No data.'}</p>
}

function CCBody({ summary, onFilter }: { summary: FleetSummary; onFilter?: (patch: Partial<NodeFilters>) => void }) {
  const modes = summary.cc.modes
  const reporting = CC_MODES.reduce((sum, m) => sum + (modes[m] ?? 0), 0)
  const guests = GUEST_MODES.reduce((sum, m) => sum + (modes[m] ?? 0), 0)
  const unknown = modes.unknown ?? 0
  const data = CC_MODES.map((m) => ({ mode: m, label: label(MODE_LABEL, m), nodes: modes[m] ?? 0 }))

  if (summary.nodes === 0) {
    return <p className="state state-empty">No nodes have reported yet.</p>
  }

  return (
    <>
      <dl className="kpis">
        <div className="kpi">
          <dt>CC guests</dt>
          <dd data-testid="cc-guests">
            {count(guests)} <span className="kpi-sub">{percent(guests, reporting)} of {count(reporting)} reporting</span>
          </dd>
        </div>
        <div className="kpi">
          <dt>Unknown</dt>
          <dd data-testid="cc-unknown">{count(unknown)}</dd>
        </div>
        <div className="kpi">
          <dt>No CC document</dt>
          <dd data-testid="cc-missing">{count(summary.cc.missing)}</dd>
        </div>
        <div className="kpi">
          <dt>Stale nodes</dt>
          <dd data-testid="cc-stale">{count(summary.stale)}</dd>
        </div>
      </dl>

      <NodesChart
        id="cc-chart"
        caption="Nodes by guest mode"
        data={data.map((d) => ({ key: d.mode, label: d.label, nodes: d.nodes, colour: CC_MODE_COLOURS[d.mode] }))}
      />

      <BreakdownTable
        caption="Nodes by CC guest mode"
        heading="Mode"
        rows={data.map((d) => ({ key: d.mode, label: d.label, nodes: d.nodes, colour: CC_MODE_COLOURS[d.mode], testId: `cc-mode-${d.mode}` }))}
        total={reporting}
        onSelect={onFilter ? (mode) => onFilter({ mode }) : undefined}
      />

      <h3 id="cc-host-title">Able to host CC guests</h3>
      <ul className="chips" aria-labelledby="cc-host-title">
        {HOST_CAPABILITIES.map((c: HostCapability) => (
          <li key={c} data-testid={`cc-host-${c}`}>
            <span className="chip-label">{label(MODE_LABEL, c)}</span>{' '}
            <span className="chip-value">{count(summary.cc.hostCapabilities[c] ?? 0)}</span>
          </li>
        ))}
      </ul>
    </>
  )
}
