// The "Enforcement readiness" card against the real service: a report written into the
// documents directory (enforcement.json, as `ztp-prem-enforce preflight --format json`
// writes it) is checked and served by the service, shown by the card, followed live
// (`event: enforcement`), and refused when it contradicts itself. The page stays
// axe-clean in each state.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { expect } from '@playwright/test'
import { expectNoAxeViolations } from './axe'
import { rfc3339, writeDocument } from './docs'
import { open, test } from './page'

test.describe.configure({ timeout: 90_000 })

const FILE = 'enforcement.json'

function report(atRisk: number) {
  return {
    apiVersion: 'ztp-prem.tlsstress.art/v1',
    kind: 'EnforcementPreflight',
    generatedAt: rfc3339(Date.now()),
    mode: 'advisory',
    clear: atRisk === 0,
    nodes: { total: 12, eligible: 9, ineligibleByReason: { stale: 1, 'mode-not-allowed': 2 } },
    tierB: { namespaces: 2, pods: 7, wouldRefuse: atRisk, onIneligibleNodes: atRisk, mirrorPods: 0 },
    namespaces: [
      { name: 'payments', pods: 5, wouldRefuse: atRisk, onIneligibleNodes: atRisk },
      { name: 'vault', pods: 2, wouldRefuse: 0, onIneligibleNodes: 0 },
    ],
    findings:
      atRisk === 0
        ? []
        : [
            {
              namespace: 'payments',
              pod: 'api-0',
              node: 'plain-01',
              mirror: false,
              wouldRefuse: true,
              issues: ['no-placement', 'bound-to-ineligible'],
              why: 'no runtime class ztp-prem-cc; node plain-01 is not eligible (mode-not-allowed)',
            },
          ],
    findingsTruncated: false,
  }
}

function docsDir(): string {
  const dir = process.env.ZTP_E2E_DOCS_DIR
  if (!dir) throw new Error('ZTP_E2E_DOCS_DIR not set (global setup)')
  return dir
}

test.afterAll(() => {
  if (process.env.ZTP_E2E_DOCS_DIR) rmSync(path.join(docsDir(), FILE), { force: true })
})

test('the card shows the report, follows it live, and refuses a contradictory one', async ({ page }) => {
  const card = page.getByRole('region', { name: 'Enforcement readiness' })
  rmSync(path.join(docsDir(), FILE), { force: true })
  await open(page)
  await expect(card.getByTestId('enforcement-absent')).toContainText('no enforcement.json in the source directory')

  // The service looks at the file once a second and announces the change: no reload.
  writeDocument(docsDir(), FILE, report(2))
  await expect(card.getByTestId('enforcement-at-risk')).toHaveText('2 of 7')
  await expect(card.getByTestId('enforcement-mode')).toHaveText('Advisory')
  await expect(card.getByTestId('enforcement-eligible')).toHaveText('9 of 12')
  await expect(card.getByRole('row', { name: /payments/ })).toContainText('522')
  await expect(card.getByTestId('enforcement-hint')).toContainText('Flip to enforcing only at zero')
  await expectNoAxeViolations(page, 'enforcement report with pods at risk')
  await card.getByText(/Pods with findings/).click()
  await expect(card.getByText(/node plain-01 is not eligible/)).toBeVisible()
  await expectNoAxeViolations(page, 'enforcement findings open')

  writeDocument(docsDir(), FILE, report(0))
  await expect(card.getByTestId('enforcement-hint')).toContainText('Preflight is clear')
  await expect(card.getByTestId('enforcement-at-risk')).toHaveText('0 of 7')

  // Counts that do not add up are never shown as figures.
  writeDocument(docsDir(), FILE, { ...report(1), clear: true })
  await expect(card.getByTestId('enforcement-invalid')).toContainText(
    'report.clear: contradicts tierB.wouldRefuse and tierB.onIneligibleNodes',
  )
  await expect(card.getByTestId('enforcement-at-risk')).toHaveCount(0)
  await expectNoAxeViolations(page, 'invalid enforcement report')
})
