// Writing documents the way the agents do (`--publish dir:`): PATH/<node>.<cc|tpm>.json,
// written to a temporary name and renamed into place.
import { readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'

// The fixture node whose documents the setup dates in the past.
export const STALE_NODE = 'snp-guest-stale-01'

export function writeDocument(dir: string, file: string, doc: unknown, mtimeMs = Date.now()): void {
  const tmp = path.join(dir, `.${file}.tmp`)
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`)
  utimesSync(tmp, mtimeMs / 1000, mtimeMs / 1000)
  renameSync(tmp, path.join(dir, file))
}

export function readDocument(dir: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>
}
