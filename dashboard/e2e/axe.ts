// axe-core (Deque's WCAG rules engine) over the page as it is in Chromium right now.
import AxeBuilder from '@axe-core/playwright'
import { expect } from '@playwright/test'
import type { Page } from '@playwright/test'

// Issue 17 counted "accessible names that differ from the visible text" (WCAG 2.5.3
// Label in Name); axe 4.13 ships that rule as experimental, so it is switched on here.
const EXTRA_RULES = { 'label-content-name-mismatch': { enabled: true } }

// Fails with every violation (rule, impact, elements) of the whole page in `state`. Also
// requires that the colour-contrast rule really ran on something, so an empty page or a
// broken run cannot pass. (axe leaves SVG chart text "incomplete": it cannot tell its
// background; those ticks are the default #666 on white.)
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).options({ rules: EXTRA_RULES }).analyze()
  const describe = (list: typeof results.violations) =>
    list.map((v) => `${v.id} (${v.impact ?? 'n/a'}, ${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)
  expect(describe(results.violations), `axe-core violations, ${state}`).toEqual([])
  const contrast = results.passes.find((r) => r.id === 'color-contrast')
  expect(contrast?.nodes.length ?? 0, `color-contrast checked elements, ${state}`).toBeGreaterThan(5)
}
