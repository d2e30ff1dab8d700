// ESLint (flat config): the React hooks rules (rules of hooks, exhaustive deps, and the
// React Compiler's checks such as no ref reads or writes during render and no synchronous
// setState in effects) on the page's sources, plus the recommended JavaScript and
// typescript-eslint rules on every TypeScript file. `npm run lint`; scripts/test runs it.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'e2e/screenshots/'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // `_name` marks a parameter a signature needs but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat['recommended-latest']],
    rules: {
      // A hook problem fails scripts/test: errors, never warnings.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // Only says the React Compiler (not used here) would skip a component that uses
      // TanStack Table; the component's hooks are still checked by the rules above.
      'react-hooks/incompatible-library': 'off',
    },
  },
  {
    // Playwright fixtures: `async ({}, use) => …` is its required form (it reads the
    // destructuring to find dependencies), and `use` is not React's.
    files: ['e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
)
