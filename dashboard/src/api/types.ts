// Wire types of the ztp-prem-fleet HTTP API (docs/fleet-api.md on the fleet branch;
// docs/dashboard.md lists the fields this page reads). Counts are plain numbers.

// The vocabulary (words, order, labels) is generated from schema/ into ./vocabulary.ts
// (docs/vocabulary.md); these are its names as the components use them.
import type { CcMode, EnforcementMode, HostCapability, TpmFamily, TpmMissingPart, TpmReadiness } from './vocabulary'
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
