import { lazy, Suspense } from 'react'
import type { BarDatum } from './charts'

const NodesBarChart = lazy(() => import('./charts'))

export type { BarDatum }

// A labelled figure around a lazily loaded bar chart; the description lists every
// value, so the figure reads the same before the chart arrives and without sight.
export function NodesChart({ id, caption, data }: { id: string; caption: string; data: BarDatum[] }) {
  return (
    <figure className="chart">
      <figcaption id={`${id}-caption`}>{caption}</figcaption>
      <div role="img" aria-labelledby={`${id}-caption`} aria-describedby={`${id}-desc`} className="chart-box">
        <Suspense fallback={<div className="chart-loading">Loading chart…</div>}>
          <NodesBarChart data={data} />
        </Suspense>
      </div>
      <p id={`${id}-desc`} className="visually-hidden">
        {data.map((d) => `${d.label} ${d.nodes}`).join(', ')}
      </p>
    </figure>
  )
}
