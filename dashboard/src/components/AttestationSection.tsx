import type { AttestationVerdict } from '../api/types'
import { ago } from '../format'
import { ATTEST_REFUSAL_LABELS as ATTEST_REASON_LABEL } from '../api/vocabulary'

// One node's attestation in the detail panel: the verifier's last verdict (never a digest).
export function AttestationSection({ verdict, now }: { verdict: AttestationVerdict | null | undefined; now: number }) {
  return (
    <section aria-labelledby="detail-attest">
      <h3 id="detail-attest">Attestation (AttestStatus)</h3>
      {verdict ? (
        <dl className="facts">
          <div>
            <dt>Verdict</dt>
            <dd>
              <span className={`badge attest-${verdict.attested ? 'attested' : 'refused'}`}>
                {verdict.attested ? 'attested' : 'refused'}
              </span>
              {verdict.reason ? ` — ${ATTEST_REASON_LABEL[verdict.reason] ?? verdict.reason} (${verdict.reason})` : ''}
            </dd>
          </div>
          <div>
            <dt>Group</dt>
            <dd>{verdict.group}</dd>
          </div>
          <div>
            <dt>Decided</dt>
            <dd>
              {ago(verdict.when, now)} ({verdict.when})
            </dd>
          </div>
        </dl>
      ) : (
        <p className="state state-empty">The attestation verifier has published no verdict for this node.</p>
      )}
    </section>
  )
}
