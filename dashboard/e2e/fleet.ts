// Starting and stopping the real ztp-prem-fleet for the e2e tests.
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// How long the service may take to scan the directory and answer /readyz.
const READY_TIMEOUT_MS = 15_000
// How long a SIGTERM may take before SIGKILL.
const STOP_TIMEOUT_MS = 5_000

export function fleetBinary(): string {
  return path.resolve(DASHBOARD_DIR, process.env.ZTP_FLEET_BIN ?? '../build/release/bin/ztp-prem-fleet')
}

export function missingBinaryReason(): string | undefined {
  const bin = fleetBinary()
  return existsSync(bin)
    ? undefined
    : `e2e skipped: ztp-prem-fleet not found at ${bin} (build the release preset, or set ZTP_FLEET_BIN)`
}

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

export interface RunningFleet {
  base: string
  stop: () => Promise<void>
}

// Runs `ztp-prem-fleet --source dir:<docs> --listen 127.0.0.1:<free port> --dashboard-dir dist`
// plus extraArgs, logging to test-results/<logName>, and resolves once /readyz answers 200.
export async function startFleet(docs: string, logName: string, extraArgs: string[] = []): Promise<RunningFleet> {
  const dist = path.join(DASHBOARD_DIR, 'dist')
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`no built dashboard in ${dist}: run npm run build first`)
  const port = await freePort()
  const results = path.join(DASHBOARD_DIR, 'test-results')
  mkdirSync(results, { recursive: true })
  const log = createWriteStream(path.join(results, logName))
  const args = ['--source', `dir:${docs}`, '--listen', `127.0.0.1:${port}`, '--dashboard-dir', dist, ...extraArgs]
  const child = spawn(fleetBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  let exited: string | null = null
  child.on('exit', (code, signal) => {
    exited = `ztp-prem-fleet exited (${code ?? signal}); see test-results/${logName}`
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([gone, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS))])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    log.end()
  }
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (exited) {
      await stop()
      throw new Error(exited)
    }
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stop }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${base}/readyz not ready after ${READY_TIMEOUT_MS} ms`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
