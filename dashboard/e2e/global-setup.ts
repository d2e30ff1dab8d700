// Starts the real ztp-prem-fleet in dir mode on a copy of the fixture documents.
// Without the binary (the fleet branch not built) every e2e test is skipped with
// the reason in ZTP_E2E_SKIP; the tests read the service address and the
// documents directory from ZTP_E2E_BASE_URL and ZTP_E2E_DOCS_DIR.
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { STALE_NODE, writeDocument } from './docs'

const here = path.dirname(fileURLToPath(import.meta.url))
const dashboard = path.resolve(here, '..')
const fixtures = path.join(here, 'fixtures')
// How long the service may take to scan the directory and answer /readyz.
const READY_TIMEOUT_MS = 15_000
// The service's default --stale-after is 30 min (docs/fleet-api.md); the stale
// fixture node is dated well before that.
const STALE_AGE_MS = 2 * 60 * 60 * 1000

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitReady(url: string, exited: () => string | null): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const why = exited()
    if (why) throw new Error(why)
    try {
      const r = await fetch(url)
      if (r.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${READY_TIMEOUT_MS} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export default async function globalSetup(): Promise<(() => Promise<void>) | void> {
  const bin = path.resolve(dashboard, process.env.ZTP_FLEET_BIN ?? '../build/release/bin/ztp-prem-fleet')
  if (!existsSync(bin)) {
    const reason = `e2e skipped: ztp-prem-fleet not found at ${bin} (build the release preset, or set ZTP_FLEET_BIN)`
    console.log(reason)
    process.env.ZTP_E2E_SKIP = reason
    return
  }
  const dist = path.join(dashboard, 'dist')
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`no built dashboard in ${dist}: run npm run build first`)

  // Fresh documents are dated now, the stale node's two hours ago.
  const docs = mkdtempSync(path.join(tmpdir(), 'ztp-e2e-docs-'))
  const now = Date.now()
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as Record<string, unknown>
    const at = file.startsWith(`${STALE_NODE}.`) ? now - STALE_AGE_MS : now
    writeDocument(docs, file, { ...doc, generatedAt: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') }, at)
  }

  const port = await freePort()
  const results = path.join(dashboard, 'test-results')
  mkdirSync(results, { recursive: true })
  const log = createWriteStream(path.join(results, 'ztp-prem-fleet.log'))
  const args = ['--source', `dir:${docs}`, '--listen', `127.0.0.1:${port}`, '--dashboard-dir', dist]
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  let exit: string | null = null
  child.on('exit', (code, signal) => {
    exit = `ztp-prem-fleet exited (${code ?? signal}) before it was ready; see test-results/ztp-prem-fleet.log`
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitReady(`${base}/readyz`, () => exit)
  } catch (e) {
    child.kill('SIGTERM')
    rmSync(docs, { recursive: true, force: true })
    throw e
  }
  process.env.ZTP_E2E_BASE_URL = base
  process.env.ZTP_E2E_DOCS_DIR = docs

  return async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    log.end()
    rmSync(docs, { recursive: true, force: true })
  }
}
