// Takes docs/dashboard.png: the real ztp-prem-fleet over `simulate --nodes 10000`, in
// Debian's Chromium, with one node's detail panel open.
// Usage: node bench/readme-screenshot.mjs [OUT=../docs/dashboard.png]   (after npm run build)
//   ZTP_FLEET_BIN  default ../build/release/bin/ztp-prem-fleet
import { chromium } from '@playwright/test'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dashboard = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.resolve(process.argv[2] ?? path.join(dashboard, '..', 'docs', 'dashboard.png'))
const bin = path.resolve(dashboard, process.env.ZTP_FLEET_BIN ?? '../build/release/bin/ztp-prem-fleet')
const docs = mkdtempSync(path.join(tmpdir(), 'ztp-readme-shot-'))
const sim = spawnSync(bin, ['simulate', '--nodes', '10000', '--out', docs], { stdio: 'inherit' })
if (sim.status !== 0) throw new Error('simulate failed')

const child = spawn(bin, ['--source', `dir:${docs}`, '--listen', '127.0.0.1:0', '--dashboard-dir', path.join(dashboard, 'dist')], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const base = await new Promise((resolve, reject) => {
  child.stdout.once('data', (line) => {
    const m = /on (http:\/\/[^/]+)\//.exec(String(line))
    m ? resolve(m[1]) : reject(new Error(`unexpected first line: ${line}`))
  })
})
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] })
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
  await page.goto(`${base}/admin/ztp-prem/`)
  await page.getByTestId('cc-guests').waitFor()
  const row = page.locator('[role="row"][data-node]').nth(2)
  await row.waitFor()
  await row.click()
  await page.getByRole('region', { name: /node/i }).first().waitFor().catch(() => {})
  await page.waitForTimeout(500) // charts are lazy-loaded after the figures
  // The click scrolled to the row; from the top the picture shows the panel beside the cards.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: out, fullPage: true })
  console.log(`wrote ${out}`)
} finally {
  await browser.close()
  child.kill('SIGTERM')
  rmSync(docs, { recursive: true, force: true })
}
