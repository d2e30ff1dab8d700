// Page benchmark in Debian's Chromium against the real ztp-prem-fleet (dir source):
// generates N nodes from the e2e fixture documents, then measures how long the page
// takes to show the cards and the first rows, how long a filter takes to apply, and
// frame times while scrolling the node table far down (pages load as it scrolls).
// Usage: node bench/page-bench.mjs [N=10000]   (after npm run build)
//   ZTP_FLEET_BIN  default ../build/release/bin/ztp-prem-fleet
// Targets (issue 5): interactive < 1.5 s at 10,000 nodes; filtering < 100 ms.
import { chromium } from '@playwright/test'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const dashboard = path.resolve(here, '..')
const n = Number(process.argv[2] ?? 10_000)
const bin = path.resolve(dashboard, process.env.ZTP_FLEET_BIN ?? '../build/release/bin/ztp-prem-fleet')
if (!existsSync(bin)) {
  console.log(`page-bench skipped: ztp-prem-fleet not found at ${bin}`)
  process.exit(0)
}

// N nodes, each a copy of one valid fixture node's documents under a new name.
const fixtures = path.join(dashboard, 'e2e', 'fixtures')
const pairs = readdirSync(fixtures)
  .filter((f) => f.endsWith('.cc.json') && !f.startsWith('broken-'))
  .map((f) => f.slice(0, -'.cc.json'.length))
  .map((node) => ['cc', 'tpm'].map((p) => {
    const file = path.join(fixtures, `${node}.${p}.json`)
    return existsSync(file) ? [p, JSON.parse(readFileSync(file, 'utf8'))] : null
  }).filter(Boolean))
const docs = mkdtempSync(path.join(tmpdir(), 'ztp-page-bench-'))
const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
for (let i = 0; i < n; i++) {
  const name = `node-${String(i).padStart(6, '0')}`
  const wave = `wave-${(i % 4) + 1}`
  for (const [probe, doc] of pairs[i % pairs.length]) {
    writeFileSync(path.join(docs, `${name}.${probe}.json`), JSON.stringify({ ...doc, node: name, wave, generatedAt: now }))
  }
}

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const child = spawn(bin, ['--source', `dir:${docs}`, '--listen', `127.0.0.1:${port}`, '--dashboard-dir', path.join(dashboard, 'dist')], {
  stdio: 'ignore',
})
const base = `http://127.0.0.1:${port}`
for (let t = 0; ; t++) {
  try {
    if ((await fetch(`${base}/readyz`)).ok) break
  } catch {}
  if (t > 600) throw new Error('service not ready')
  await new Promise((r) => setTimeout(r, 100))
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
  const status = page.locator('.table-status')
  await page.goto(`${base}/admin/ztp-prem/`)
  await page.getByTestId('cc-guests').waitFor()
  await status.filter({ hasText: `${n.toLocaleString('en-US')} nodes;` }).waitFor()
  await page.locator('[role="row"][data-node]').first().waitFor()
  const interactive = await page.evaluate(() => performance.now())

  // Filter: from the change event to the new count on screen (measured in the page).
  const filterMs = []
  for (const value of ['tdx', 'sev-snp', '', 'none', '']) {
    filterMs.push(
      await page.evaluate(async (v) => {
        const select = [...document.querySelectorAll('label')].find((l) => l.textContent === 'CC mode')?.control
        const el = document.querySelector('.table-status')
        const before = el.textContent
        const t0 = performance.now()
        // React tracks a select's value: go through the prototype's setter as a user would.
        Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(select, v)
        select.dispatchEvent(new Event('change', { bubbles: true }))
        const seen = performance.getEntriesByType('resource').length
        while (el.textContent === before || !/loaded$/.test(el.textContent)) await new Promise((r) => requestAnimationFrame(r))
        const total = performance.now() - t0
        const request = performance.getEntriesByType('resource').slice(seen - 1).filter((e) => e.name.includes('/api/v1/nodes?')).at(-1)
        return [total, request ? request.duration : 0]
      }, value),
    )
  }

  // Scroll: 600 frames at 240 px per frame (about 4,000 rows), as a fast wheel would.
  const scroll = await page.evaluate(async () => {
    // The grid is the scrolling box (its rows are under [data-testid="node-rows"]).
    const body = document.querySelector('[role="grid"]')
    const frames = []
    let blank = 0
    let last = performance.now()
    for (let i = 0; i < 600; i++) {
      body.scrollTop += 240
      await new Promise((r) => requestAnimationFrame(r))
      const t = performance.now()
      frames.push(t - last)
      last = t
      if (body.querySelector('.placeholder')) blank++
    }
    frames.sort((a, b) => a - b)
    const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))]
    return { median: q(0.5), p95: q(0.95), max: frames[frames.length - 1], blank, rows: body.scrollTop / 36 }
  })
  const sorted = filterMs.map((f) => f[0]).sort((a, b) => a - b)
  const server = filterMs.map((f) => f[1]).sort((a, b) => a - b)
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify(filterMs))
  console.log(`page-bench: ${n} nodes`)
  console.log(`  interactive (cards + first rows): ${interactive.toFixed(0)} ms`)
  console.log(
    `  filter by CC mode: median ${sorted[2].toFixed(0)} ms, max ${sorted[4].toFixed(0)} ms (of which the /nodes request: median ${server[2].toFixed(0)} ms)`,
  )
  console.log(
    `  scroll ${scroll.rows.toFixed(0)} rows in 600 frames: frame median ${scroll.median.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms; frames showing placeholder rows ${scroll.blank}`,
  )
} finally {
  await browser.close()
  child.kill('SIGTERM')
  rmSync(docs, { recursive: true, force: true })
}
