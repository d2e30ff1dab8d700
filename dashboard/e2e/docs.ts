// Writing documents the way the agents do (`--publish dir:`): PATH/<node>.<cc|tpm>.json,
// written to a temporary name and renamed into place.
import { mkdtempSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
// The fixture node whose documents are dated in the past.
export const STALE_NODE = 'snp-guest-stale-01'
// The service's default --stale-after is 30 min (docs/fleet-api.md); the stale
// fixture node is dated well before that.
const STALE_AGE_MS = 2 * 60 * 60 * 1000

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function writeDocument(dir: string, file: string, doc: unknown, mtimeMs = Date.now()): void {
  const tmp = path.join(dir, `.${file}.tmp`)
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`)
  utimesSync(tmp, mtimeMs / 1000, mtimeMs / 1000)
  renameSync(tmp, path.join(dir, file))
}

export function readDocument(dir: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>
}

// A temporary copy of e2e/fixtures: every document dated now, the stale node's two hours ago.
export function copyFixtures(): string {
  const docs = mkdtempSync(path.join(tmpdir(), 'ztp-e2e-docs-'))
  const now = Date.now()
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const doc = readDocument(FIXTURES, file)
    const at = file.startsWith(`${STALE_NODE}.`) ? now - STALE_AGE_MS : now
    writeDocument(docs, file, { ...doc, generatedAt: rfc3339(at) }, at)
  }
  return docs
}
