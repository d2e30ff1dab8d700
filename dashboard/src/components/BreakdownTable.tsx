import { count, percent } from '../format'

export interface BreakdownRow<K extends string> {
  key: K
  label: string
  nodes: number
  colour?: string // colour swatch next to the label, as in the chart (api/vocabulary.ts)
  testId?: string
}

export interface BreakdownTableProps<K extends string> {
  caption: string // accessible name of the table
  heading: string // first column: "Mode", "Family"
  rows: BreakdownRow<K>[]
  total: number // the share column's denominator
  onSelect?: (key: K) => void // when given, each label is a button that filters by it
  selected?: K // the row the current filter shows: pressed button, highlighted row
}

// Nodes per category with their share: the figures behind a card's chart, readable
// without colour and by screen readers.
export function BreakdownTable<K extends string>({ caption, heading, rows, total, onSelect, selected }: BreakdownTableProps<K>) {
  return (
    <table className="breakdown" aria-label={caption}>
      <thead>
        <tr>
          <th scope="col">{heading}</th>
          <th scope="col">Nodes</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-testid={r.testId} className={selected !== undefined && r.key === selected ? 'active' : undefined}>
            <th scope="row">
              {r.colour ? <span className="swatch" style={{ background: r.colour }} aria-hidden="true" /> : null}
              {onSelect ? (
                <button
                  type="button"
                  className="link"
                  aria-pressed={selected === undefined ? undefined : r.key === selected}
                  onClick={() => onSelect(r.key)}
                >
                  {r.label}
                </button>
              ) : (
                r.label
              )}
            </th>
            <td>{count(r.nodes)}</td>
            <td>{percent(r.nodes, total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
