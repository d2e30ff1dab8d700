import { defineConfig, devices } from '@playwright/test'

// Debian's Chromium (apt-get install chromium); Playwright never downloads a browser here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/e2e-artifacts',
  // The tests share one service and one documents directory, and some change it.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  // Starts ztp-prem-fleet (dir source, fixture documents) or marks the run skipped.
  globalSetup: './e2e/global-setup.ts',
  use: {
    trace: 'off',
    viewport: { width: 1440, height: 1000 },
  },
  projects: [
    {
      name: 'debian-chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1440, height: 1000 },
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
})
