// Renders with the page's query client (a fresh cache per test, the same defaults as main.tsx).
import { QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement, ReactNode } from 'react'
import { createQueryClient } from '../api/queryClient'

export function renderWithQuery(ui: ReactElement) {
  const client = createQueryClient()
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>
  return { client, ...render(ui, { wrapper }) }
}
