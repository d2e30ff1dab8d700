import { useEffect, useRef } from 'react'
import type { KeyboardEvent, ReactNode } from 'react'
import { useNodeDetail } from '../api/hooks'
import type { CCStatusDoc, NodeRow, StatusEnvelope, TPMStatusDoc } from '../api/types'
import { AttestationSection } from './AttestationSection'
import { ago, FAMILY_LABEL, label, MISSING_PART_LABEL, MODE_LABEL, READINESS_LABEL } from '../format'

export interface NodeDetailPanelProps {
  name: string
  now: number
  onClose: () => void
}

// One node: the derived row and both probe documents with their signals and evidence.
export function NodeDetailPanel({ name, now, onClose }: NodeDetailPanelProps) {
  const { data, error, loading } = useNodeDetail(name)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => heading.current?.focus(), [name])

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation()
      onClose()
    }
  }

  return (
    <aside className="detail" aria-labelledby="detail-title" aria-busy={loading} onKeyDown={onKeyDown}>
      <header className="detail-head">
        <h2 id="detail-title" tabIndex={-1} ref={heading}>
          {name}
        </h2>
        <button type="button" className="button" onClick={onClose} aria-label={`Close details of ${name}`}>
          Close
        </button>
      </header>
      {error ? (
        <p className="state state-error" role="alert">
          Could not load {name}: {error.message}
        </p>
      ) : null}
      {!data && loading ? <p className="state state-loading">Loading node…</p> : null}
      {data ? (
        <>
          <RowSummary row={data.row} now={now} />
          <CCSection doc={data.cc} />
          <TPMSection doc={data.tpm} />
          <AttestationSection verdict={data.row.attestation} now={now} />
        </>
      ) : null}
    </aside>
  )
}

function Facts({ children }: { children: ReactNode }) {
  return <dl className="facts">{children}</dl>
}

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function RowSummary({ row, now }: { row: NodeRow; now: number }) {
  return (
    <section aria-labelledby="detail-summary">
      <h3 id="detail-summary">Summary</h3>
      <Facts>
        <Fact name="State">
          <span className={`badge state-${row.state}`}>{row.state}</span>
          {row.stale ? ' (documents older than the stale limit)' : ''}
        </Fact>
        <Fact name="Wave">{row.wave ?? '—'}</Fact>
        <Fact name="Last seen">{row.lastSeen ? `${ago(row.lastSeen, now)} (${row.lastSeen})` : 'never'}</Fact>
        {row.missing.length ? (
          <Fact name="Missing documents">{row.missing.map((m) => m.toUpperCase()).join(', ')}</Fact>
        ) : null}
      </Facts>
      {row.invalidReasons.length ? (
        <div className="invalid" role="group" aria-labelledby="detail-invalid">
          <h4 id="detail-invalid">Invalid document, kept out of the fleet counts</h4>
          <ul>
            {row.invalidReasons.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  )
}

function Envelope({ doc }: { doc: StatusEnvelope }) {
  return (
    <>
      <Fact name="Generated">{doc.generatedAt}</Fact>
      <Fact name="Probe">
        {doc.probe.name} {doc.probe.version}
      </Fact>
      <Fact name="Enforcement">{doc.enforcement}</Fact>
    </>
  )
}

function Signals({ doc, title }: { doc: StatusEnvelope; title: string }) {
  const entries = Object.entries(doc.signals ?? {}).sort(([a], [b]) => a.localeCompare(b))
  return (
    <>
      <table className="signals" aria-label={`${title} signals`}>
        <thead>
          <tr>
            <th scope="col">Signal</th>
            <th scope="col">Observed</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">
                <code>{k}</code>
              </th>
              <td className={v ? 'yes' : 'no'}>{v ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Evidence</h4>
      <ul className="evidence" aria-label={`${title} evidence`}>
        {(doc.evidence ?? []).map((e, i) => (
          <li key={i}>{e}</li>
        ))}
      </ul>
    </>
  )
}

function CCSection({ doc }: { doc: CCStatusDoc | null }) {
  return (
    <section aria-labelledby="detail-cc">
      <h3 id="detail-cc">Confidential Computing (CCStatus)</h3>
      {doc ? (
        <>
          <Facts>
            <Fact name="Guest mode">
              <span className={`badge mode-${doc.mode}`}>{doc.mode}</span> {label(MODE_LABEL, doc.mode)}
            </Fact>
            <Fact name="Can host">{doc.hostCapabilities.length ? doc.hostCapabilities.join(', ') : 'none'}</Fact>
            <Envelope doc={doc} />
          </Facts>
          <Signals doc={doc} title="CC" />
        </>
      ) : (
        <p className="state state-empty">This node has sent no valid CC document.</p>
      )}
    </section>
  )
}

function TPMSection({ doc }: { doc: TPMStatusDoc | null }) {
  const mb = doc?.measuredBoot
  // readiness is {verdict, missing} in TPMStatus v1; accept a bare verdict too.
  const verdict = doc ? (typeof doc.readiness === 'string' ? doc.readiness : doc.readiness?.verdict) : undefined
  const missing = doc && typeof doc.readiness === 'object' ? (doc.readiness.missing ?? []) : []
  return (
    <section aria-labelledby="detail-tpm">
      <h3 id="detail-tpm">TPM (TPMStatus)</h3>
      {doc ? (
        <>
          <Facts>
            <Fact name="Family">
              {doc.family} — {label(FAMILY_LABEL, doc.family)}
            </Fact>
            <Fact name="Readiness">
              <span className={`badge readiness-${verdict}`}>{label(READINESS_LABEL, verdict)}</span>
              {missing.length ? ` — missing ${missing.map((m) => label(MISSING_PART_LABEL, m)).join(', ')}` : ''}
            </Fact>
            {mb ? (
              <>
                <Fact name="Firmware event log">{mb.eventLog ? 'yes' : 'no'}</Fact>
                <Fact name="IMA">{mb.ima ? 'yes' : 'no'}</Fact>
                <Fact name="PCR banks">{mb.pcrBanks?.length ? mb.pcrBanks.join(', ') : 'none'}</Fact>
                <Fact name="Firmware table">{mb.firmwareTable}</Fact>
              </>
            ) : null}
            <Envelope doc={doc} />
          </Facts>
          <Signals doc={doc} title="TPM" />
        </>
      ) : (
        <p className="state state-empty">This node has sent no valid TPM document.</p>
      )}
    </section>
  )
}
