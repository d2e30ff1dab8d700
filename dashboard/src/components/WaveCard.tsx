import { memo } from 'react'
import type { FleetSummary, NodeFilters } from '../api/types'
import { count, percent } from '../format'
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
        <table className="breakdown" aria-label="Nodes by rollout wave">
          <thead>
            <tr>
              <th scope="col">Wave</th>
              <th scope="col">Nodes</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {waves.map((w) => (
              <tr key={w.wave} data-testid={`wave-${w.wave}`} className={w.wave === activeWave ? 'active' : undefined}>
                <th scope="row">
                  <button
                    type="button"
                    className="link"
                    aria-pressed={w.wave === activeWave}
                    onClick={() => onFilter({ wave: w.wave === activeWave ? '' : w.wave })}
                  >
                    {w.wave}
                  </button>
                </th>
                <td>{count(w.nodes)}</td>
                <td>{percent(w.nodes, summary.nodes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
})
