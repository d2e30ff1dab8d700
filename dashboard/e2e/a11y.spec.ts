// Issue 17, item 8: the whole page passes axe-core with zero violations in the states that
// matter, and the node detail panel opens in view. The page has one (light) theme.
import { expect } from '@playwright/test'
import type { Page } from '@playwright/test'
import { expectNoAxeViolations } from './axe'
import { nodeRows, open, test } from './page'

// axe over the whole page takes seconds on a busy 2-core machine; some tests run it twice.
test.describe.configure({ timeout: 90_000 })

async function chartsDrawn(page: Page) {
  await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible()
}

function detail(page: Page, name: string) {
  return page.getByRole('complementary', { name })
}

async function detailLoaded(page: Page, name: string) {
  await expect(detail(page, name).getByRole('region', { name: 'TPM (TPMStatus)' })).toBeVisible()
}

test('axe: the overview has no violations', async ({ page }) => {
  await open(page)
  await chartsDrawn(page)
  await expectNoAxeViolations(page, 'overview')
})

test('axe: filtered lists (pressed chip and wave, empty result) have no violations', async ({ page }) => {
  await open(page, '?missing=eventLog')
  await chartsDrawn(page)
  await expect(page.getByRole('button', { name: /^no firmware event log: 2 nodes/ })).toHaveAttribute('aria-pressed', 'true')
  await expectNoAxeViolations(page, 'filtered by a missing part')

  await page.getByTestId('wave-wave-3').getByRole('button').click()
  await page.getByRole('searchbox', { name: 'Search' }).fill('no-such-node')
  await expect(page.getByText('No nodes match these filters.')).toBeVisible()
  await expectNoAxeViolations(page, 'filtered to no match')
})

test('axe: the detail panel open, with the keyboard in the grid, has no violations', async ({ page }) => {
  await open(page)
  await chartsDrawn(page)
  // The invalid node: its reasons block and a missing CC document are shown too.
  await nodeRows(page).and(page.locator('[data-node="broken-01"]')).click()
  await detailLoaded(page, 'broken-01')
  await expectNoAxeViolations(page, 'invalid node open')

  await page.getByRole('grid', { name: 'Nodes' }).focus()
  // The click made broken-01 the active row; the next one down is contradiction-01.
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await detailLoaded(page, 'contradiction-01')
  await page.getByRole('grid', { name: 'Nodes' }).focus()
  await expectNoAxeViolations(page, 'node open, grid focused with an active row')
})

test('axe: a small window (scrolling grid, one column, panel at the bottom) has no violations', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await open(page, '?node=gcp-tdx-01')
  await chartsDrawn(page)
  await detailLoaded(page, 'gcp-tdx-01')
  // The grid scrolls here: the region axe wants reachable from the keyboard.
  const grid = page.getByRole('grid', { name: 'Nodes' })
  expect(await grid.evaluate((g) => g.scrollHeight > g.clientHeight)).toBe(true)
  await expectNoAxeViolations(page, '800x600, node open')
})

test('the node detail panel opens in view and stays there', async ({ page }) => {
  await open(page)
  await chartsDrawn(page)
  // The last row: the page scrolls down to reach it, the panel must still be in view.
  const last = nodeRows(page).last()
  await last.click()
  const name = (await last.getAttribute('data-node')) ?? ''
  await detailLoaded(page, name)
  const panel = detail(page, name)
  await expect(panel).toBeInViewport({ ratio: 1 })
  await expect(panel.getByRole('heading', { level: 2, name })).toBeFocused()

  // Scrolling the page leaves it in view, and it covers nothing: the page's content ends
  // left of it.
  for (const y of [0, 10_000]) {
    await page.evaluate((to) => window.scrollTo(0, to), y)
    await expect(panel).toBeInViewport({ ratio: 1 })
  }
  const panelBox = await panel.boundingBox()
  const mainBox = await page.getByRole('main').boundingBox()
  expect(mainBox!.x + mainBox!.width).toBeLessThanOrEqual(panelBox!.x)

  // Opened from a shared link, after the cards and rows have loaded above it.
  await open(page, '?node=gcp-tdx-01')
  await chartsDrawn(page)
  await detailLoaded(page, 'gcp-tdx-01')
  await expect(detail(page, 'gcp-tdx-01')).toBeInViewport({ ratio: 1 })

  // A small window: the panel sits at the bottom of the viewport.
  await page.setViewportSize({ width: 800, height: 600 })
  await nodeRows(page).and(page.locator('[data-node="kvm-plain-01"]')).click()
  await detailLoaded(page, 'kvm-plain-01')
  await expect(detail(page, 'kvm-plain-01')).toBeInViewport({ ratio: 1 })
})
