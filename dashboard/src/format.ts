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

export const MODE_LABEL: Record<string, string> = {
  none: 'Not a CC guest',
  sev: 'AMD SEV',
  'sev-es': 'AMD SEV-ES',
  'sev-snp': 'AMD SEV-SNP',
  tdx: 'Intel TDX',
  cca: 'Arm CCA',
  protvirt: 'IBM Secure Execution',
  unknown: 'Unknown',
}

export const FAMILY_LABEL: Record<string, string> = {
  'tpm2-rm': 'TPM 2.0 + resource manager',
  'tpm2-raw': 'TPM 2.0, raw device only',
  'tpm1.2': 'TPM 1.2',
  absent: 'No TPM',
  unknown: 'Unknown',
}

export const READINESS_LABEL: Record<string, string> = {
  ready: 'Ready',
  partial: 'Partial',
  none: 'Not ready',
}

// Names of missing measured-boot parts as the TPM probe writes them (src/tpm/tpm_family.cpp).
export const MISSING_PART_LABEL: Record<string, string> = {
  tpm2: 'no TPM 2.0',
  driver: 'no kernel driver',
  hardwareChip: 'virtual chip only',
  resourceManager: 'no resource manager',
  eventLog: 'no firmware event log',
}

export function label(map: Record<string, string>, key: string | null | undefined): string {
  if (key === null || key === undefined) return '—'
  return map[key] ?? key
}
