import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { EMPTY_FLEET, FLEET } from '../test/fixtures'
import { CCStatusCard } from './CCStatusCard'

describe('CCStatusCard', () => {
  it('shows the share of CC guests among nodes reporting a mode', () => {
    render(<CCStatusCard summary={FLEET} loading={false} />)
    // guests = sev 10 + sev-es 20 + sev-snp 150 + tdx 120 + cca 5 + protvirt 15 = 320 of 980 reporting
    expect(screen.getByTestId('cc-guests')).toHaveTextContent('320 33% of 980 reporting')
    expect(screen.getByTestId('cc-unknown')).toHaveTextContent('60')
    expect(screen.getByTestId('cc-missing')).toHaveTextContent('20')
    expect(screen.getByTestId('cc-stale')).toHaveTextContent('31')
  })

  it('lists every mode with count and share, and the host capabilities', () => {
    render(<CCStatusCard summary={FLEET} loading={false} />)
    const table = screen.getByRole('table', { name: 'Nodes by CC guest mode' })
    const snp = within(table).getByRole('row', { name: /AMD SEV-SNP/ })
    expect(snp).toHaveTextContent('150')
    expect(snp).toHaveTextContent('15%')
    expect(within(table).getAllByRole('row')).toHaveLength(9) // header + 8 modes
    expect(screen.getByTestId('cc-host-tdx')).toHaveTextContent('Intel TDX 12')
    expect(screen.getByTestId('cc-host-sev-snp')).toHaveTextContent('35')
  })

  it('draws a chart with an accessible description', async () => {
    const { container } = render(<CCStatusCard summary={FLEET} loading={false} />)
    const chart = screen.getByRole('img', { name: 'Nodes by guest mode' })
    expect(chart).toHaveAccessibleDescription(/Intel TDX 120/)
    await waitFor(() => expect(container.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0))
  })

  it('filters the table by a mode when its name is activated', async () => {
    const onFilter = vi.fn()
    render(<CCStatusCard summary={FLEET} loading={false} onFilter={onFilter} />)
    await userEvent.click(screen.getByRole('button', { name: 'Intel TDX' }))
    expect(onFilter).toHaveBeenCalledWith({ mode: 'tdx' })
  })

  it('has loading, error and empty states', () => {
    const { rerender } = render(<CCStatusCard loading={true} />)
    expect(screen.getByText('Loading fleet totals…')).toBeInTheDocument()
    expect(screen.getByRole('region', { name: 'Confidential Computing coverage' })).toHaveAttribute('aria-busy', 'true')
    rerender(<CCStatusCard loading={false} error={new Error('/fleet answered 503')} />)
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load fleet totals: /fleet answered 503')
    rerender(<CCStatusCard summary={EMPTY_FLEET} loading={false} />)
    expect(screen.getByText('No nodes have reported yet.')).toBeInTheDocument()
  })
})
