// Prints the closing line CI reads, `<runner>: N passed, N failed`, from a test
// runner's JSON report (vitest --reporter=json, or Playwright's json reporter).
// Usage: node scripts/summary.mjs vitest|playwright REPORT.json
import { readFileSync } from 'node:fs'

const [runner, file] = process.argv.slice(2)
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (e) {
  console.log(`${runner}: 0 passed, 1 failed (no report at ${file}: ${e.message})`)
  process.exit(1)
}

let passed, failed, skipped
if (runner === 'vitest') {
  passed = report.numPassedTests ?? 0
  // Files that fail to load count as failures too: their tests never ran.
  const brokenSuites = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length
  failed = (report.numFailedTests ?? 0) + brokenSuites
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
} else if (runner === 'playwright') {
  const s = report.stats ?? {}
  passed = (s.expected ?? 0) + (s.flaky ?? 0)
  failed = (s.unexpected ?? 0) + (report.errors ?? []).length
  skipped = s.skipped ?? 0
} else {
  console.log(`${runner}: 0 passed, 1 failed (unknown runner)`)
  process.exit(1)
}
console.log(`${runner}: ${passed} passed, ${failed} failed${skipped ? ` (${skipped} skipped)` : ''}`)
