import { memo } from 'react'
import type { FleetSummary, MissingPart, NodeFilters } from '../api/types'
import { MISSING_PARTS, READINESS, TPM_FAMILIES } from '../api/types'
import { TPM_FAMILY_COLOURS, TPM_READINESS, TPM_READINESS_HINTS } from '../api/vocabulary'
import { count, FAMILY_LABEL, label, MISSING_PART_LABEL, percent, READINESS_LABEL } from '../format'
import { CardPlaceholder } from './CCStatusCard'
import { BreakdownTable } from './BreakdownTable'
import { NodesChart } from './NodesChart'

export interface TPMReadinessCardProps {
  summary?: FleetSummary
  loading: boolean
  error?: Error
  // The node table's current `missing` filter: its chip shows as pressed.
  activeMissing?: MissingPart | ''
  onFilter?: (patch: Partial<NodeFilters>) => void
}

// TPM families and measured-boot readiness across the fleet, and what is missing
// where: nodes without a TPM document, and the parts partial nodes lack.
// Memoised: filter changes re-render the page but leave the totals alone.
export const TPMReadinessCard = memo(function TPMReadinessCard({
  summary,
  loading,
  error,
  activeMissing = '',
  onFilter,
}: TPMReadinessCardProps) {
  return (
    <section className="card" aria-labelledby="tpm-card-title" aria-busy={loading}>
      <h2 id="tpm-card-title">TPM and measured-boot readiness</h2>
      {summary ? (
        <TPMBody summary={summary} activeMissing={activeMissing} onFilter={onFilter} />
      ) : (
        <CardPlaceholder loading={loading} error={error} />
      )}
    </section>
  )
})

interface TPMBodyProps {
  summary: FleetSummary
  activeMissing: MissingPart | ''
  onFilter?: (patch: Partial<NodeFilters>) => void
}

function TPMBody({ summary, activeMissing, onFilter }: TPMBodyProps) {
  const { families, readiness } = summary.tpm
  const reporting = TPM_FAMILIES.reduce((sum, f) => sum + (families[f] ?? 0), 0)
  const data = TPM_FAMILIES.map((f) => ({ family: f, label: label(FAMILY_LABEL, f), nodes: families[f] ?? 0 }))
  const partCounts = summary.tpm.missingParts
  // The service's vocabulary order; parts no node lacks are left out.
  const parts = MISSING_PARTS.map((p) => [p, partCounts?.[p] ?? 0] as const).filter(([, n]) => n > 0)

  if (summary.nodes === 0) {
    return <p className="state state-empty">No nodes have reported yet.</p>
  }

  return (
    <>
      <dl className="kpis">
        {READINESS.map((r) => (
          <div className={`kpi readiness-${r}`} key={r}>
            <dt title={TPM_READINESS_HINTS[r]}>{label(READINESS_LABEL, r)}</dt>
            <dd data-testid={`tpm-readiness-${r}`}>
              {onFilter ? (
                <button
                  type="button"
                  className="link kpi-link"
                  aria-label={`${count(readiness[r] ?? 0)} nodes ${label(READINESS_LABEL, r).toLowerCase()}: show them in the table`}
                  onClick={() => onFilter({ readiness: r })}
                >
                  {count(readiness[r] ?? 0)}
                </button>
              ) : (
                count(readiness[r] ?? 0)
              )}{' '}
              <span className="kpi-sub">{percent(readiness[r] ?? 0, reporting)}</span>
            </dd>
          </div>
        ))}
        <div className="kpi">
          <dt>No TPM document</dt>
          <dd data-testid="tpm-missing">{count(summary.tpm.missing)}</dd>
        </div>
        {summary.tpm.bootStateChanged !== undefined ? (
          <div className="kpi">
            <dt title="nodes whose TPM-quoted boot state (PCR digest) changed: a new kernel, firmware or boot configuration">
              Boot state changed
            </dt>
            <dd data-testid="tpm-boot-changed">{count(summary.tpm.bootStateChanged)}</dd>
          </div>
        ) : null}
      </dl>

      <NodesChart
        id="tpm-chart"
        caption="Nodes by TPM family"
        data={data.map((d) => ({ key: d.family, label: d.label, nodes: d.nodes, colour: TPM_FAMILY_COLOURS[d.family] }))}
      />

      <BreakdownTable
        caption="Nodes by TPM family"
        heading="Family"
        rows={data.map((d) => ({
          key: d.family,
          label: d.label,
          nodes: d.nodes,
          colour: TPM_FAMILY_COLOURS[d.family],
          testId: `tpm-family-${d.family}`,
        }))}
        total={reporting}
        onSelect={onFilter ? (family) => onFilter({ family }) : undefined}
      />

      <h3 id="tpm-missing-title">What is missing where</h3>
      {parts.length > 0 ? (
        <ul className="chips" aria-labelledby="tpm-missing-title">
          {parts.map(([part, n]) => (
            <li key={part} data-testid={`tpm-part-${part}`}>
              {onFilter ? (
                // The name starts with the visible text (label, count), so speech input finds it (WCAG 2.5.3).
                <button
                  type="button"
                  className="chip-button"
                  aria-pressed={activeMissing === part}
                  aria-label={`${label(MISSING_PART_LABEL, part)}: ${count(n)} ${n === 1 ? 'node' : 'nodes'}, show them in the table`}
                  onClick={() => onFilter({ missing: part })}
                >
                  <span className="chip-label">{label(MISSING_PART_LABEL, part)}</span>{' '}
                  <span className="chip-value">{count(n)}</span>
                </button>
              ) : (
                <>
                  <span className="chip-label">{label(MISSING_PART_LABEL, part)}</span>{' '}
                  <span className="chip-value">{count(n)}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : partCounts ? (
        <p className="hint">No node with a TPM document lacks a measured-boot part.</p>
      ) : (
        <p className="hint">
          {count(readiness[TPM_READINESS.partial] ?? 0)} partial and {count(readiness[TPM_READINESS.none] ?? 0)} not-ready nodes; the node table’s
          “Missing” column says which measured-boot part each one lacks
          {summary.tpm.missing > 0
            ? `, and ${count(summary.tpm.missing)} ${summary.tpm.missing === 1 ? 'node' : 'nodes'} sent no TPM document`
            : ''}.
        </p>
      )}
    </>
  )
}
