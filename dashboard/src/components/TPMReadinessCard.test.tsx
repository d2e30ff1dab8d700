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

  it('counts the nodes whose quoted boot state changed, when the service does', () => {
    const { rerender } = render(<TPMReadinessCard summary={FLEET} loading={false} />)
    expect(screen.queryByTestId('tpm-boot-changed')).toBeNull()
    rerender(<TPMReadinessCard summary={{ ...FLEET, tpm: { ...FLEET.tpm, bootStateChanged: 7 } }} loading={false} />)
    expect(screen.getByTestId('tpm-boot-changed')).toHaveTextContent('7')
    expect(screen.getByText('Boot state changed')).toBeInTheDocument()
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

  it('lists the parts in the probe order, and says so when no node lacks any', () => {
    const parts = { tpm2: 178, driver: 0, hardwareChip: 3, resourceManager: 90, eventLog: 50 }
    const { rerender } = render(<TPMReadinessCard summary={{ ...FLEET, tpm: { ...FLEET.tpm, missingParts: parts } }} loading={false} />)
    const chips = within(screen.getByRole('list', { name: 'What is missing where' })).getAllByRole('listitem')
    expect(chips.map((c) => c.dataset.testid)).toEqual(['tpm-part-tpm2', 'tpm-part-hardwareChip', 'tpm-part-resourceManager', 'tpm-part-eventLog'])
    const none = { tpm2: 0, driver: 0, hardwareChip: 0, resourceManager: 0, eventLog: 0 }
    rerender(<TPMReadinessCard summary={{ ...FLEET, tpm: { ...FLEET.tpm, missingParts: none } }} loading={false} />)
    expect(screen.queryByRole('list', { name: 'What is missing where' })).toBeNull()
    expect(screen.getByText('No node with a TPM document lacks a measured-boot part.')).toBeInTheDocument()
  })

  it('makes each part a button that filters the table by it', async () => {
    const onFilter = vi.fn()
    const summary = { ...FLEET, tpm: { ...FLEET.tpm, missingParts: { tpm2: 0, driver: 1, hardwareChip: 0, resourceManager: 90, eventLog: 50 } } }
    const { rerender } = render(<TPMReadinessCard summary={summary} loading={false} onFilter={onFilter} />)
    const eventLog = screen.getByRole('button', { name: 'no firmware event log: 50 nodes, show them in the table' })
    expect(eventLog).toHaveAttribute('aria-pressed', 'false')
    await userEvent.click(eventLog)
    expect(onFilter).toHaveBeenLastCalledWith({ missing: 'eventLog' })
    await userEvent.click(screen.getByRole('button', { name: 'no kernel driver: 1 node, show them in the table' }))
    expect(onFilter).toHaveBeenLastCalledWith({ missing: 'driver' })
    // The table's current part shows as pressed.
    rerender(<TPMReadinessCard summary={summary} loading={false} onFilter={onFilter} activeMissing="eventLog" />)
    expect(screen.getByRole('button', { name: /^no firmware event log: 50 nodes/ })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByRole('button', { name: /^no resource manager: 90 nodes/ })).toHaveAttribute('aria-pressed', 'false')
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
