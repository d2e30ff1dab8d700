import { memo } from 'react'
import type { Loadable } from '../api/hooks'
import type { EnforcementAnswer, EnforcementPreflight } from '../api/types'
import { ENFORCEMENT_MODE, ENFORCEMENT_MODE_LABELS } from '../api/vocabulary'
import { count } from '../format'

// The preflight's words are schema/enforcement.v1.schema.json's: the envelope's two modes
// (generated labels) plus the states of a cluster whose bindings disagree or cannot be read.
// A word not listed here is shown as sent.
const MODE_TEXT: Record<string, string> = {
  ...ENFORCEMENT_MODE_LABELS,
  mixed: 'Mixed',
  absent: 'Not installed',
  unknown: 'Unknown',
}
const MODE_HINT: Record<string, string> = {
  [ENFORCEMENT_MODE.advisory]: 'the policies warn and audit; nothing is refused',
  [ENFORCEMENT_MODE.enforcing]: 'the policies refuse Tier B pods on ineligible nodes',
  mixed: 'the create and bind policies are in different modes',
  absent: 'the policy bindings of deploy/with-enforcement are not installed',
  unknown: 'the policy bindings could not be read',
}
const REASON_TEXT: Record<string, string> = {
  'no-cc-document': 'no CC document',
  'invalid-document': 'invalid document',
  stale: 'documents too old',
  'mode-not-allowed': 'CC mode not allowed',
  'no-tpm-document': 'no TPM document',
  'tpm-not-ready': 'TPM not ready',
  'attestation-missing': 'no attestation verdict',
  'attestation-failed': 'attestation failed',
  'not-published': 'not published to the API server',
}
// The report lists at most 200 pods; the card shows the first few.
const FINDINGS_SHOWN = 10

export interface EnforcementCardProps {
  enforcement: Loadable<EnforcementAnswer>
}

// Tier B enforcement readiness (docs/enforcement.md): the mode in force, eligible nodes,
// Tier B pods at risk per namespace, and whether the flip to enforcing is safe now. The
// figures are the controller's preflight report, as the service checked and relayed it;
// nothing is computed here.
export const EnforcementCard = memo(function EnforcementCard({ enforcement }: EnforcementCardProps) {
  const { data, loading, error } = enforcement
  return (
    <section className="card" aria-labelledby="enforcement-card-title" aria-busy={loading}>
      <h2 id="enforcement-card-title">Enforcement readiness</h2>
      {data ? <EnforcementBody answer={data} /> : <Placeholder loading={loading} error={error} />}
    </section>
  )
})

function Placeholder({ loading, error }: { loading: boolean; error?: Error }) {
  if (error) {
    return (
      <p className="state state-error" role="alert">
        Could not load the enforcement report: {error.message}
      </p>
    )
  }
  return <p className="state state-loading">{loading ? 'Loading the enforcement report…' : 'No data.'}</p>
}

function EnforcementBody({ answer }: { answer: EnforcementAnswer }) {
  if (answer.status === 'valid' && answer.report) return <ReportBody report={answer.report} />
  if (answer.status === 'invalid') {
    return (
      <p className="state state-error" data-testid="enforcement-invalid">
        The enforcement report is invalid, so none of its figures are shown: {answer.reason}
      </p>
    )
  }
  if (answer.status === 'pending') {
    return <p className="state">The fleet service has not read the enforcement report yet.</p>
  }
  return (
    <>
      <p className="state state-empty" data-testid="enforcement-absent">
        No enforcement report: {answer.reason}
      </p>
      <p className="hint">
        Tier B enforcement (deploy/with-enforcement) publishes it; docs/enforcement.md explains the flip.
      </p>
    </>
  )
}

function ReportBody({ report }: { report: EnforcementPreflight }) {
  const { nodes, tierB } = report
  const reasons = Object.entries(nodes.ineligibleByReason).sort(([a], [b]) => a.localeCompare(b))
  return (
    <>
      <dl className="kpis">
        <div className="kpi">
          <dt title={MODE_HINT[report.mode] ?? ''}>Mode in force</dt>
          <dd data-testid="enforcement-mode">{MODE_TEXT[report.mode] ?? report.mode}</dd>
        </div>
        <div className="kpi">
          <dt>Eligible nodes</dt>
          <dd data-testid="enforcement-eligible">
            {count(nodes.eligible)} <span className="kpi-sub">of {count(nodes.total)}</span>
          </dd>
        </div>
        <div className="kpi">
          <dt title="Tier B pods running on nodes that are not eligible (placed before the node lost eligibility, or bound around the policies)">
            Tier B pods at risk
          </dt>
          <dd data-testid="enforcement-at-risk">
            {count(tierB.onIneligibleNodes)} <span className="kpi-sub">of {count(tierB.pods)}</span>
          </dd>
        </div>
        <div className="kpi">
          <dt title="Tier B pods that enforcing would refuse if they were created again now">Would be refused</dt>
          <dd data-testid="enforcement-would-refuse">{count(tierB.wouldRefuse)}</dd>
        </div>
      </dl>

      <FlipHint report={report} />

      {report.namespaces.length > 0 ? (
        <NamespaceTable report={report} />
      ) : (
        <p className="hint">No namespace is marked Tier B (label ztp-prem.tlsstress.art/tier: b).</p>
      )}

      {reasons.length > 0 ? (
        <>
          <h3 id="enforcement-reasons-title">Why nodes are not eligible</h3>
          <ul className="chips" aria-labelledby="enforcement-reasons-title">
            {reasons.map(([reason, n]) => (
              <li key={reason} data-testid={`enforcement-reason-${reason}`}>
                <span className="chip-label">{REASON_TEXT[reason] ?? reason}</span>{' '}
                <span className="chip-value">{count(n)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <Findings report={report} />

      <p className="hint">
        Report of <time dateTime={report.generatedAt}>{report.generatedAt}</time>
        {tierB.mirrorPods > 0 ? ` · ${count(tierB.mirrorPods)} mirror pods (reported, never refused)` : ''}
      </p>
    </>
  )
}

// Flip only at zero (docs/enforcement.md "Preflight: flip only at zero").
function FlipHint({ report }: { report: EnforcementPreflight }) {
  const { wouldRefuse, onIneligibleNodes } = report.tierB
  let text: string
  if (report.clear) {
    text =
      report.mode === ENFORCEMENT_MODE.enforcing
        ? 'Enforcing, and preflight is clear: no Tier B pod is refused or at risk now.'
        : 'Preflight is clear: enforcing would refuse nothing now, so the flip (ztp-prem-enforce mode enforcing) is safe.'
  } else {
    text =
      `Flip to enforcing only at zero: ${count(wouldRefuse)} ${wouldRefuse === 1 ? 'pod' : 'pods'} would be refused and ` +
      `${count(onIneligibleNodes)} ${onIneligibleNodes === 1 ? 'runs' : 'run'} on ineligible nodes. ` +
      'ztp-prem-enforce preflight lists each pod and why.'
  }
  return (
    <p className={report.clear ? 'banner banner-clear' : 'banner banner-stale'} data-testid="enforcement-hint">
      {text}
    </p>
  )
}

function NamespaceTable({ report }: { report: EnforcementPreflight }) {
  return (
    <table className="breakdown" aria-label="Tier B pods by namespace">
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Pods</th>
          <th scope="col">Would be refused</th>
          <th scope="col">On ineligible nodes</th>
        </tr>
      </thead>
      <tbody>
        {report.namespaces.map((ns) => (
          <tr key={ns.name} data-testid={`enforcement-ns-${ns.name}`}>
            <th scope="row">{ns.name}</th>
            <td>{count(ns.pods)}</td>
            <td>{count(ns.wouldRefuse)}</td>
            <td>{count(ns.onIneligibleNodes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Findings({ report }: { report: EnforcementPreflight }) {
  const { findings } = report
  if (findings.length === 0) return null
  const shown = findings.slice(0, FINDINGS_SHOWN)
  const more = findings.length - shown.length
  return (
    <details className="findings">
      <summary>
        Pods with findings ({count(findings.length)}
        {report.findingsTruncated ? '+' : ''})
      </summary>
      <ul>
        {shown.map((f) => (
          <li key={`${f.namespace}/${f.pod}`}>
            <strong>
              {f.namespace}/{f.pod}
            </strong>
            {f.mirror ? ' (mirror)' : ''}: {f.why}
          </li>
        ))}
      </ul>
      {more > 0 || report.findingsTruncated ? (
        <p className="hint">More are listed by ztp-prem-enforce preflight.</p>
      ) : null}
    </details>
  )
}
