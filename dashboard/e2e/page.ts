// What every e2e spec shares: the service's address, the CSP watch, opening the page.
import { expect, test as base } from '@playwright/test'
import type { Page } from '@playwright/test'

export const test = base.extend<{ cspViolations: string[] }>({
  baseURL: async ({}, use) => {
    await use(process.env.ZTP_E2E_BASE_URL)
  },
  // Every console message about a blocked resource: the page must run under the
  // service's Content-Security-Policy without inline scripts or styles.
  cspViolations: async ({ page }, use) => {
    const seen: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text())
    })
    await use(seen)
  },
})

test.beforeEach(() => {
  test.skip(process.env.ZTP_E2E_SKIP !== undefined, process.env.ZTP_E2E_SKIP)
})

// Opens the dashboard and waits until live updates flow and the table has its rows.
export async function open(page: Page, query = '') {
  await page.goto(`/admin/ztp-prem/${query}`)
  await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible()
  await expect(page.getByText(/\d+ nodes?( match)?; \d+ loaded/)).toBeVisible()
}

export function nodeRows(page: Page) {
  return page.getByTestId('node-rows').locator('[role="row"][data-node]')
}
