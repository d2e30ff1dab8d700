// Wire types of the ztp-prem-fleet HTTP API (docs/fleet-api.md on the fleet branch;
// docs/dashboard.md lists the fields this page reads). Counts are plain numbers.

// The vocabulary (words, order, labels) is generated from schema/ into ./vocabulary.ts
// (docs/vocabulary.md); these are its names as the components use them.
import type { AttestRefusal, CcMode, EnforcementMode, HostCapability, TpmFamily, TpmMissingPart, TpmReadiness } from './vocabulary'
export {
  CC_MODE_WORDS as CC_MODES,
  HOST_CAPABILITY_WORDS as HOST_CAPABILITIES,
  TPM_FAMILY_WORDS as TPM_FAMILIES,
  TPM_READINESS_WORDS as READINESS,
  TPM_MISSING_PART_WORDS as MISSING_PARTS,
} from './vocabulary'
export type { HostCapability } from './vocabulary'
export type CCMode = CcMode
export type TPMFamily = TpmFamily
export type Readiness = TpmReadiness
export type MissingPart = TpmMissingPart

export type NodeState = 'ok' | 'stale' | 'partial' | 'invalid'

export interface FleetSummary {
  generatedAt: string
  revision: number
  nodes: number
  stale: number
  invalid: number
  cc: {
    modes: Record<CCMode, number>
    hostCapabilities: Record<HostCapability, number>
    missing: number
  }
  tpm: {
    families: Record<TPMFamily, number>
    readiness: Record<Readiness, number>
    missing: number
    // Nodes whose valid TPM document lists each part as missing (every part, 0 when none).
    // Optional: a service older than this field leaves it out.
    missingParts?: Partial<Record<MissingPart, number>>
    // Nodes whose TPM-quoted boot state changed (bootState.changedAt; docs/audit.md).
    // Optional: a service older than this field leaves it out.
    bootStateChanged?: number
  }
  waves: { wave: string; nodes: number }[]
  // Nodes by the attestation verifier's last verdict (docs/attest.md). Optional: a service
  // older than this field leaves it out.
  attestation?: AttestationCounts
}

export interface NodeRow {
  name: string
  mode: CCMode | null
  hostCapabilities: HostCapability[]
  family: TPMFamily | null
  readiness: Readiness | null
  missingParts: string[]
  // The audit seq where the node's TPM-quoted boot digest last changed; null: never (or
  // not quoted). Optional: a service older than this field leaves it out.
  bootStateChangedAt?: number | null
  // The attestation verifier's last verdict; null: none. Optional: older services omit it.
  attestation?: AttestationVerdict | null
  wave: string | null
  state: NodeState
  stale: boolean
  missing: ('cc' | 'tpm')[]
  invalidReasons: string[]
  lastSeen: string | null
}

export interface NodesPage {
  items: NodeRow[]
  total: number
  continue: string | null
  revision: number
}

// Fields every probe document carries (schema/envelope.v1.schema.json).
export interface StatusEnvelope {
  apiVersion: string
  kind: 'CCStatus' | 'TPMStatus'
  node: string
  generatedAt: string
  wave: string
  probe: { name: string; version: string }
  signals: Record<string, boolean>
  evidence: string[]
  enforcement: EnforcementMode
}

export interface CCStatusDoc extends StatusEnvelope {
  kind: 'CCStatus'
  mode: CCMode
  hostCapabilities: HostCapability[]
}

export interface TPMStatusDoc extends StatusEnvelope {
  kind: 'TPMStatus'
  family: TPMFamily
  measuredBoot: {
    eventLog: boolean
    ima: boolean
    pcrBanks: string[]
    firmwareTable: string
  }
  readiness: { verdict: Readiness; missing: string[] }
}

export interface NodeDetail {
  row: NodeRow
  cc: CCStatusDoc | null
  tpm: TPMStatusDoc | null
  // The verifier's AttestStatus document (schema/attest.v1.schema.json). Optional: older
  // services omit it.
  attest?: AttestStatusDoc | null
}

// Refusal codes the verifier publishes (schema/attest.v1.schema.json "reason").
// attest.v1 "reason" (generated: src/api/vocabulary.ts, AttestRefusal).
export { ATTEST_REFUSAL_WORDS as ATTEST_REASONS } from './vocabulary'
export type AttestReason = AttestRefusal

export interface AttestationVerdict {
  attested: boolean
  group: string
  when: string
  reason: AttestReason | null
}

export interface AttestationCounts {
  attested: number
  refused: number
  none: number
  reasons: Record<AttestReason, number>
}

export interface AttestStatusDoc {
  apiVersion: string
  kind: 'AttestStatus'
  node: string
  attested: boolean
  group: string
  when: string
  reason?: AttestReason
}

// Query parameters of GET /api/v1/nodes that the page sets.
export type SortKey = 'name' | '-name' | 'mode' | 'family' | 'readiness' | 'lastSeen' | '-lastSeen'

export interface NodeFilters {
  q: string
  mode: CCMode | ''
  family: TPMFamily | ''
  readiness: Readiness | ''
  missing: MissingPart | ''
  stale: '' | 'true' | 'false'
  wave: string
  sort: SortKey
}

export const EMPTY_FILTERS: NodeFilters = {
  q: '',
  mode: '',
  family: '',
  readiness: '',
  missing: '',
  stale: '',
  wave: '',
  sort: 'name',
}

// GET /api/v1/enforcement (docs/fleet-api.md): the Tier B preflight report, relayed by the
// service only after it checked it against schema/enforcement.v1.schema.json. Words are
// that schema's; the page shows unknown words as they are.
export interface EnforcementPreflight {
  apiVersion: string
  kind: 'EnforcementPreflight'
  generatedAt: string
  mode: string // advisory | enforcing | mixed | absent | unknown
  clear: boolean
  nodes: { total: number; eligible: number; ineligibleByReason: Record<string, number> }
  tierB: { namespaces: number; pods: number; wouldRefuse: number; onIneligibleNodes: number; mirrorPods: number }
  namespaces: { name: string; pods: number; wouldRefuse: number; onIneligibleNodes: number }[]
  findings: {
    namespace: string
    pod: string
    node: string
    mirror: boolean
    wouldRefuse: boolean
    issues: string[]
    why: string
  }[]
  findingsTruncated: boolean
}

export interface EnforcementAnswer {
  revision: number
  status: 'pending' | 'absent' | 'valid' | 'invalid'
  source: 'configmap' | 'file' | 'none'
  reason?: string // not valid: why
  report?: EnforcementPreflight // valid only
}
