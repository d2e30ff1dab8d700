import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { EMPTY_FLEET, FLEET } from '../test/fixtures'
import { TPMReadinessCard } from './TPMReadinessCard'

describe('TPMReadinessCard', () => {
  it('shows readiness counts with their share of nodes reporting a TPM document', () => {
    render(<TPMReadinessCard summary={FLEET} loading={false} />)
    // 968 nodes report a family (1000 - 4 invalid - 28 missing)
    expect(screen.getByTestId('tpm-readiness-ready')).toHaveTextContent('650 67%')
    expect(screen.getByTestId('tpm-readiness-partial')).toHaveTextContent('140 14%')
    expect(screen.getByTestId('tpm-readiness-none')).toHaveTextContent('178 18%')
    expect(screen.getByTestId('tpm-missing')).toHaveTextContent('28')
  })

  it('lists the families', () => {
    render(<TPMReadinessCard summary={FLEET} loading={false} />)
    const table = screen.getByRole('table', { name: 'Nodes by TPM family' })
    expect(within(table).getByRole('row', { name: /TPM 1\.2/ })).toHaveTextContent('30')
    expect(screen.getByTestId('tpm-family-tpm2-rm')).toHaveTextContent('700')
    expect(screen.getByRole('img', { name: 'Nodes by TPM family' })).toHaveAccessibleDescription(/No TPM 100/)
  })

  it('says what is missing where: per part when the service counts parts', () => {
    const summary = { ...FLEET, tpm: { ...FLEET.tpm, missingParts: { resourceManager: 90, eventLog: 50, driver: 0 } } }
    render(<TPMReadinessCard summary={summary} loading={false} />)
    expect(screen.getByTestId('tpm-part-resourceManager')).toHaveTextContent('no resource manager 90')
    expect(screen.getByTestId('tpm-part-eventLog')).toHaveTextContent('no firmware event log 50')
    expect(screen.queryByTestId('tpm-part-driver')).toBeNull()
  })

  it('points to the table when the service does not count parts', () => {
    render(<TPMReadinessCard summary={FLEET} loading={false} />)
    expect(screen.getByText(/140 partial and 178 not-ready nodes/)).toHaveTextContent('28 nodes sent no TPM document')
  })

  it('filters the table by readiness and by family', async () => {
    const onFilter = vi.fn()
    render(<TPMReadinessCard summary={FLEET} loading={false} onFilter={onFilter} />)
    await userEvent.click(screen.getByRole('button', { name: /140 nodes partial/ }))
    expect(onFilter).toHaveBeenLastCalledWith({ readiness: 'partial' })
    await userEvent.click(screen.getByRole('button', { name: 'TPM 1.2' }))
    expect(onFilter).toHaveBeenLastCalledWith({ family: 'tpm1.2' })
  })

  it('has loading, error and empty states', () => {
    const { rerender } = render(<TPMReadinessCard loading={true} />)
    expect(screen.getByText('Loading fleet totals…')).toBeInTheDocument()
    rerender(<TPMReadinessCard loading={false} error={new Error('boom')} />)
    expect(screen.getByRole('alert')).toHaveTextContent('boom')
    rerender(<TPMReadinessCard summary={EMPTY_FLEET} loading={false} />)
    expect(screen.getByText('No nodes have reported yet.')).toBeInTheDocument()
  })
})
