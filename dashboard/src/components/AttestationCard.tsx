import { memo } from 'react'
import type { AttestReason, FleetSummary } from '../api/types'
import { ATTEST_REASONS } from '../api/types'
import { ATTEST_REFUSAL_LABELS as ATTEST_REASON_LABEL } from '../api/vocabulary'
import { BreakdownTable } from './BreakdownTable'
import { CardPlaceholder } from './CCStatusCard'

export interface AttestationCardProps {
  summary?: FleetSummary
  loading: boolean
  error?: Error
}

// The attestation verifier's verdicts fleet-wide (docs/attest.md): nodes whose TPM quote
// showed an approved boot state, nodes refused (and why), nodes without a verdict.
export const AttestationCard = memo(function AttestationCard({ summary, loading, error }: AttestationCardProps) {
  const counts = summary?.attestation
  return (
    <section className="card card-narrow" aria-labelledby="attest-card-title" aria-busy={loading}>
      <h2 id="attest-card-title">Attestation</h2>
      {!summary ? (
        <CardPlaceholder loading={loading} error={error} />
      ) : !counts ? (
        <p className="state state-empty">This fleet service reports no attestation verdicts.</p>
      ) : (
        <>
          <BreakdownTable
            caption="Nodes by attestation verdict"
            heading="Verdict"
            rows={[
              { key: 'attested', label: 'Attested', nodes: counts.attested, testId: 'attest-attested' },
              { key: 'refused', label: 'Refused', nodes: counts.refused, testId: 'attest-refused' },
              { key: 'none', label: 'No verdict', nodes: counts.none, testId: 'attest-none' },
            ]}
            total={summary.nodes}
          />
          {counts.refused > 0 ? (
            <BreakdownTable<AttestReason>
              caption="Refused nodes by reason"
              heading="Reason"
              rows={ATTEST_REASONS.map((r) => ({
                key: r,
                label: ATTEST_REASON_LABEL[r],
                nodes: counts.reasons[r] ?? 0,
                testId: `attest-reason-${r}`,
              }))}
              total={counts.refused}
            />
          ) : null}
        </>
      )}
    </section>
  )
})
