// Display helpers shared by the cards, the table and the detail panel.

export function percent(part: number, whole: number): string {
  if (whole <= 0) return '–'
  const p = (100 * part) / whole
  if (p > 0 && p < 0.1) return '<0.1%'
  return `${p.toFixed(p >= 10 || p === 0 ? 0 : 1)}%`
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

// "3 min ago" style, from an RFC 3339 time; `now` is passed in so tests are stable.
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const s = Math.round((now - t) / 1000)
  if (s < 0) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

// Display labels: generated from the schemas' x-ztp-labels (./api/vocabulary.ts).
export {
  CC_MODE_LABELS as MODE_LABEL,
  TPM_FAMILY_LABELS as FAMILY_LABEL,
  TPM_READINESS_LABELS as READINESS_LABEL,
  TPM_MISSING_PART_LABELS as MISSING_PART_LABEL,
} from './api/vocabulary'

// The label of a word; a word the module does not know (a newer service) shows as itself.
export function label(map: Readonly<Record<string, string>>, key: string | null | undefined): string {
  if (key === null || key === undefined) return '—'
  return map[key] ?? key
}
