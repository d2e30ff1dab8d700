import { memo } from 'react'
import type { FleetSummary, NodeFilters } from '../api/types'
import { BreakdownTable } from './BreakdownTable'
import { CardPlaceholder } from './CCStatusCard'

export interface WaveCardProps {
  summary?: FleetSummary
  loading: boolean
  error?: Error
  activeWave: string
  onFilter: (patch: Partial<NodeFilters>) => void
}

// Rollout waves (the anchors the agents report) and how many nodes each holds.
// Memoised: filter changes re-render the page but leave the totals alone.
export const WaveCard = memo(function WaveCard({ summary, loading, error, activeWave, onFilter }: WaveCardProps) {
  const waves = summary ? [...summary.waves].sort((a, b) => a.wave.localeCompare(b.wave)) : []
  return (
    <section className="card card-narrow" aria-labelledby="wave-card-title" aria-busy={loading}>
      <h2 id="wave-card-title">Rollout waves</h2>
      {!summary ? (
        <CardPlaceholder loading={loading} error={error} />
      ) : waves.length === 0 ? (
        <p className="state state-empty">No wave is reporting yet.</p>
      ) : (
        <BreakdownTable
          caption="Nodes by rollout wave"
          heading="Wave"
          rows={waves.map((w) => ({ key: w.wave, label: w.wave, nodes: w.nodes, testId: `wave-${w.wave}` }))}
          total={summary.nodes}
          selected={activeWave}
          onSelect={(wave) => onFilter({ wave: wave === activeWave ? '' : wave })}
        />
      )}
    </section>
  )
})
