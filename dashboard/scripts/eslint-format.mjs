// ESLint formatter for scripts/test: each problem on one line (file:line:col), then the
// closing line CI reads, counted in files: `eslint: N passed, N failed`.
// Usage: eslint --max-warnings 0 -f ./scripts/eslint-format.mjs .
import path from 'node:path'

export default function format(results) {
  const lines = []
  let failed = 0
  let problems = 0
  for (const r of results) {
    if (r.messages.length === 0) continue
    failed++
    for (const m of r.messages) {
      problems++
      // The React Compiler rules explain at length; the first line names the problem.
      const text = m.message.split('\n').find((l) => l.trim()) ?? ''
      const kind = m.severity === 2 ? 'error' : 'warning'
      lines.push(`${path.relative(process.cwd(), r.filePath)}:${m.line ?? 0}:${m.column ?? 0}: ${kind}: ${text} [${m.ruleId ?? 'parse'}]`)
    }
  }
  const detail = problems ? ` (${problems} ${problems === 1 ? 'problem' : 'problems'})` : ''
  lines.push(`eslint: ${results.length - failed} passed, ${failed} failed${detail}`)
  return lines.join('\n')
}
