/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The fleet service serves dist/ under this prefix (issue 5: "the built dashboard at
// /admin/ztp-prem"); every asset URL must carry it.
const k_base = '/admin/ztp-prem/'

export default defineConfig({
  base: k_base,
  plugins: [react()],
  build: {
    // No inline <script> or <style>, so a CSP of default-src 'self' holds (vite's
    // modulepreload polyfill is an inline-free module; assetsInlineLimit 0 keeps
    // fonts and images as files rather than data: URLs, which 'self' would block).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npm run dev` against a locally running ztp-prem-fleet.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    testTimeout: 30_000,
  },
})
