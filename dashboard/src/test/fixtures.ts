// Data for unit tests. Documents are real probe output (dashboard/e2e/fixtures,
// produced by make-fixtures.sh); rows and totals are generated to any fleet size.
import type { CCStatusDoc, FleetSummary, NodeRow, TPMStatusDoc } from '../api/types'
import { CC_MODES, TPM_FAMILIES } from '../api/types'
import gcpCC from '../../e2e/fixtures/gcp-tdx-01.cc.json'
import gcpTPM from '../../e2e/fixtures/gcp-tdx-01.tpm.json'
import epycCC from '../../e2e/fixtures/epyc-host-01.cc.json'

export const CC_DOC = gcpCC as unknown as CCStatusDoc
export const TPM_DOC = gcpTPM as unknown as TPMStatusDoc
export const HOST_CC_DOC = epycCC as unknown as CCStatusDoc

export const FLEET: FleetSummary = {
  generatedAt: '2026-11-27T19:08:49Z',
  revision: 7,
  nodes: 1000,
  stale: 31,
  invalid: 4,
  cc: {
    modes: { none: 600, sev: 10, 'sev-es': 20, 'sev-snp': 150, tdx: 120, cca: 5, protvirt: 15, unknown: 60 },
    hostCapabilities: { sev: 40, 'sev-es': 40, 'sev-snp': 35, tdx: 12, protvirt: 3 },
    missing: 20,
  },
  tpm: {
    families: { 'tpm2-rm': 700, 'tpm2-raw': 90, 'tpm1.2': 30, absent: 100, unknown: 48 },
    readiness: { ready: 650, partial: 140, none: 178, unknown: 0 },
    missing: 28,
  },
  waves: [
    { wave: 'wave-2', nodes: 400 },
    { wave: 'wave-1', nodes: 596 },
  ],
}

export const EMPTY_FLEET: FleetSummary = {
  ...FLEET,
  nodes: 0,
  stale: 0,
  invalid: 0,
  cc: {
    modes: { none: 0, sev: 0, 'sev-es': 0, 'sev-snp': 0, tdx: 0, cca: 0, protvirt: 0, unknown: 0 },
    hostCapabilities: { sev: 0, 'sev-es': 0, 'sev-snp': 0, tdx: 0, protvirt: 0 },
    missing: 0,
  },
  tpm: { families: { 'tpm2-rm': 0, 'tpm2-raw': 0, 'tpm1.2': 0, absent: 0, unknown: 0 }, readiness: { ready: 0, partial: 0, none: 0, unknown: 0 }, missing: 0 },
  waves: [],
}

export function nodeName(i: number): string {
  return `node-${String(i).padStart(5, '0')}`
}

// A deterministic mix: every 97th node stale, every 211th invalid, every 53rd without TPM.
export function makeRow(i: number): NodeRow {
  const mode = CC_MODES[i % CC_MODES.length] ?? 'none'
  const family = TPM_FAMILIES[i % TPM_FAMILIES.length] ?? 'tpm2-rm'
  const invalid = i % 211 === 5
  const noTpm = i % 53 === 7
  const stale = i % 97 === 3
  return {
    name: nodeName(i),
    mode: invalid ? null : mode,
    hostCapabilities: i % 10 === 0 ? ['sev', 'sev-es', 'sev-snp'] : [],
    family: noTpm || invalid ? null : family,
    readiness: noTpm || invalid ? null : family === 'tpm2-rm' ? 'ready' : family === 'tpm2-raw' ? 'partial' : 'none',
    missingParts: family === 'tpm2-raw' && !noTpm ? ['resourceManager'] : [],
    wave: invalid ? null : `wave-${(i % 3) + 1}`,
    state: invalid ? 'invalid' : noTpm ? 'partial' : stale ? 'stale' : 'ok',
    stale,
    missing: noTpm ? ['tpm'] : [],
    invalidReasons: invalid ? ['cc: mode: "sev-tio" is not a CC mode'] : [],
    lastSeen: invalid ? null : new Date(Date.UTC(2026, 10, 27, 19, 0, 0) - (i % 600) * 1000).toISOString().replace('.000', ''),
  }
}

export function makeRows(n: number): NodeRow[] {
  return Array.from({ length: n }, (_, i) => makeRow(i))
}
