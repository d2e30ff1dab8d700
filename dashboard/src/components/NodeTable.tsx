import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table'
import type { Row, SortingState } from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react'
import type { KeyboardEvent } from 'react'
import type { NodePages } from '../api/hooks'
import type { NodeRow, SortKey } from '../api/types'
import { ago, count, FAMILY_LABEL, label, MISSING_PART_LABEL, MODE_LABEL, READINESS_LABEL } from '../format'

// Fixed row height: the virtualiser needs no measuring and scrolling stays cheap.
export const ROW_HEIGHT = 36
// The header row above the rows, inside the same scrolling box (styles.css: --row).
const HEADER_HEIGHT = ROW_HEIGHT
// Rows per request while scrolling; the API allows up to 1000.
export const PAGE_SIZE = 500
// Start the next request when the view is this many rows from the loaded end.
const PREFETCH_ROWS = 100

// Sort keys GET /api/v1/nodes accepts, per column (first = first click).
const SORTS: Record<string, SortKey[]> = {
  name: ['name', '-name'],
  mode: ['mode'],
  family: ['family'],
  readiness: ['readiness'],
  lastSeen: ['-lastSeen', 'lastSeen'],
}

function sortingOf(sort: SortKey): SortingState {
  const desc = sort.startsWith('-')
  return [{ id: desc ? sort.slice(1) : sort, desc }]
}

function nextSort(column: string, current: SortKey): SortKey | null {
  const options = SORTS[column]
  if (!options) return null
  const at = options.indexOf(current)
  if (at < 0) return options[0] ?? null
  return options[(at + 1) % options.length] ?? null
}

const STATE_LABEL: Record<string, string> = { ok: 'OK', stale: 'Stale', partial: 'Partial', invalid: 'Invalid' }

const column = createColumnHelper<NodeRow>()

function columns(now: number) {
  return [
    column.accessor('name', { header: 'Node', cell: (c) => <span className="node-name">{c.getValue()}</span> }),
    column.accessor('state', {
      header: 'State',
      cell: (c) => {
        const row = c.row.original
        const why =
          row.state === 'invalid'
            ? row.invalidReasons.join('; ')
            : row.missing.length > 0
              ? `no ${row.missing.map((m) => m.toUpperCase()).join(' or ')} document`
              : undefined
        return (
          <span className={`badge state-${row.state}`} title={why}>
            {STATE_LABEL[row.state] ?? row.state}
            {why ? <span className="visually-hidden">: {why}</span> : null}
          </span>
        )
      },
    }),
    column.accessor('mode', {
      header: 'CC mode',
      cell: (c) => {
        const v = c.getValue()
        return v ? <span className={`badge mode-${v}`} title={label(MODE_LABEL, v)}>{v}</span> : <span className="none">—</span>
      },
    }),
    column.accessor('hostCapabilities', {
      header: 'Can host',
      cell: (c) => (c.getValue().length ? c.getValue().join(', ') : <span className="none">—</span>),
    }),
    column.accessor('family', {
      header: 'TPM',
      cell: (c) => {
        const v = c.getValue()
        const changedAt = c.row.original.bootStateChangedAt
        return (
          <>
            {v ? <span title={label(FAMILY_LABEL, v)}>{v}</span> : <span className="none">—</span>}
            {changedAt != null ? (
              <span className="badge boot-changed" title={`boot state changed at audit seq ${changedAt}`}>
                boot changed<span className="visually-hidden">: at audit seq {changedAt}</span>
              </span>
            ) : null}
          </>
        )
      },
    }),
    column.accessor('readiness', {
      header: 'Readiness',
      cell: (c) => {
        const v = c.getValue()
        return v ? <span className={`badge readiness-${v}`}>{label(READINESS_LABEL, v)}</span> : <span className="none">—</span>
      },
    }),
    column.accessor('missingParts', {
      header: 'Missing',
      cell: (c) => {
        const parts = c.getValue()
        return parts.length ? parts.map((p) => label(MISSING_PART_LABEL, p)).join(', ') : <span className="none">—</span>
      },
    }),
    column.accessor('wave', { header: 'Wave', cell: (c) => c.getValue() ?? <span className="none">—</span> }),
    column.accessor('lastSeen', {
      header: 'Last seen',
      cell: (c) => {
        const v = c.getValue()
        return v ? <time dateTime={v} title={v}>{ago(v, now)}</time> : <span className="none">never</span>
      },
    }),
  ]
}

export interface NodeTableProps {
  pages: NodePages
  queryKey: string // changes with the filters and the sort
  sort: SortKey
  filtered: boolean
  selected: string | null
  now: number
  onSort: (sort: SortKey) => void
  onSelect: (name: string) => void
  onClearFilters: () => void
}

export function NodeTable({ pages, queryKey, sort, filtered, selected, now, onSort, onSelect, onClearFilters }: NodeTableProps) {
  const id = useId()
  const { rows, total, hasMore, loading, error, loadMore } = pages
  const cols = useMemo(() => columns(now), [now])
  const table = useReactTable({
    data: rows,
    columns: cols,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    state: { sorting: sortingOf(sort) },
  })
  const tableRows = table.getRowModel().rows

  // The scrollbar covers every matching node; rows past the loaded ones are
  // placeholders until their page arrives. The grid itself scrolls (it holds keyboard
  // focus, so the scrolled region is reachable from the keyboard); the rows start below
  // its sticky header row, and a row scrolled to is never left under that header.
  const rowCount = total ?? rows.length
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  })
  const items = virtualizer.getVirtualItems()
  const lastVisible = items.length ? (items[items.length - 1]?.index ?? 0) : 0

  // After a failed page the user retries; an automatic retry here would loop.
  useEffect(() => {
    if (hasMore && !loading && !error && lastVisible + PREFETCH_ROWS >= rows.length) {
      loadMore(lastVisible + PREFETCH_ROWS + PAGE_SIZE)
    }
  }, [hasMore, loading, error, lastVisible, rows.length, loadMore])

  // Keyboard: the grid holds focus, the active row is announced through
  // aria-activedescendant, so a row leaving the rendered window never drops focus.
  const [active, setActive] = useState(0)
  // A new query (filters or sort) starts at its first row.
  useEffect(() => {
    setActive(0)
    scrollRef.current?.scrollTo?.({ top: 0 })
  }, [queryKey])
  const activeIndex = Math.min(active, Math.max(0, rowCount - 1))

  const move = (to: number) => {
    const next = Math.max(0, Math.min(rowCount - 1, to))
    setActive(next)
    virtualizer.scrollToIndex(next, { align: 'auto' })
  }
  const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1)
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget || rowCount === 0) return
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(activeIndex + 1),
      ArrowUp: () => move(activeIndex - 1),
      PageDown: () => move(activeIndex + pageRows),
      PageUp: () => move(activeIndex - pageRows),
      Home: () => move(0),
      End: () => move(rowCount - 1),
      Enter: () => {
        const row = rows[activeIndex]
        if (row) onSelect(row.name)
      },
    }
    keys[' '] = keys.Enter as () => void
    const act = keys[e.key]
    if (act) {
      e.preventDefault()
      act()
    }
  }

  const headers = table.getHeaderGroups()[0]?.headers ?? []
  // Stable across renders (for a stable onSelect, as App's), so rows that stay in view are
  // not rendered again on scroll.
  const pick = useCallback(
    (index: number, name: string) => {
      setActive(index)
      onSelect(name)
    },
    [onSelect],
  )
  const rowId = (i: number) => `${id}-row-${i}`
  const activeRendered = items.some((v) => v.index === activeIndex) && activeIndex < rows.length

  return (
    <div className="node-table">
      <p className="table-status">
        {total === null
          ? loading
            ? 'Loading nodes…'
            : ''
          : `${count(total)} ${total === 1 ? 'node' : 'nodes'}${filtered ? ' match' : ''}; ${count(rows.length)} loaded${
              pages.refreshing ? ', refreshing…' : ''
            }`}
      </p>
      {/* Announced: the number of matches, not every page that loads while scrolling. */}
      <p className="visually-hidden" role="status" aria-live="polite">
        {total === null ? (loading ? 'Loading nodes' : '') : `${count(total)} ${total === 1 ? 'node' : 'nodes'}${filtered ? ' match' : ''}`}
      </p>
      {error ? (
        <div className="state state-error" role="alert">
          Could not load nodes: {error.message}{' '}
          <button type="button" className="button" onClick={() => (rows.length ? loadMore(rows.length + PAGE_SIZE) : pages.retry())}>
            Retry
          </button>
        </div>
      ) : null}
      <div
        ref={scrollRef}
        role="grid"
        aria-label="Nodes"
        aria-rowcount={rowCount + 1}
        aria-colcount={headers.length}
        aria-busy={loading}
        aria-activedescendant={activeRendered ? rowId(activeIndex) : undefined}
        tabIndex={0}
        className="grid"
        onKeyDown={onKeyDown}
      >
        <div role="rowgroup" className="grid-head">
          <div role="row" aria-rowindex={1} className="grid-row">
            {headers.map((h) => {
              const sortable = SORTS[h.column.id] !== undefined
              const dir = h.column.getIsSorted()
              return (
                <div
                  role="columnheader"
                  key={h.id}
                  className={`cell col-${h.column.id}`}
                  aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : sortable ? 'none' : undefined}
                >
                  {sortable ? (
                    <button
                      type="button"
                      className="sort"
                      onClick={() => {
                        const next = nextSort(h.column.id, sort)
                        if (next) onSort(next)
                      }}
                    >
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span aria-hidden="true" className="sort-mark">
                        {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                      </span>
                    </button>
                  ) : (
                    flexRender(h.column.columnDef.header, h.getContext())
                  )}
                </div>
              )
            })}
          </div>
        </div>
        <div role="rowgroup" className="grid-body" data-testid="node-rows">
          {rowCount === 0 && !loading && !error ? (
            <div className="state state-empty" role="row">
              <div role="gridcell">
                {filtered ? (
                  <>
                    No nodes match these filters.{' '}
                    <button type="button" className="button" onClick={onClearFilters}>
                      Clear filters
                    </button>
                  </>
                ) : (
                  'No nodes have reported yet.'
                )}
              </div>
            </div>
          ) : null}
          {/* React writes style props through the CSSOM, which a CSP without 'unsafe-inline' allows. */}
          <div className="grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((v) => {
              const row = tableRows[v.index]
              const top = `${v.start - HEADER_HEIGHT}px`
              if (!row) {
                return (
                  <div
                    key={`placeholder-${v.index}`}
                    role="row"
                    aria-rowindex={v.index + 2}
                    className="grid-row placeholder"
                    style={{ transform: `translateY(${top})` }}
                  >
                    <div role="gridcell" className="cell">
                      Loading…
                    </div>
                  </div>
                )
              }
              return (
                <NodeRowView
                  key={row.original.name}
                  row={row}
                  id={rowId(v.index)}
                  index={v.index}
                  start={v.start - HEADER_HEIGHT}
                  selected={row.original.name === selected}
                  active={v.index === activeIndex}
                  onPick={pick}
                />
              )
            })}
          </div>
        </div>
      </div>
    </div>
  )
}

interface NodeRowViewProps {
  row: Row<NodeRow>
  id: string
  index: number
  start: number
  selected: boolean
  active: boolean
  onPick: (index: number, name: string) => void
}

// One rendered row. Memoised: while scrolling only rows entering the window render.
const NodeRowView = memo(function NodeRowView({ row, id, index, start, selected, active, onPick }: NodeRowViewProps) {
  const node = row.original
  const classes = ['grid-row', `row-${node.state}`]
  if (selected) classes.push('selected')
  if (active) classes.push('active')
  return (
    <div
      id={id}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={classes.join(' ')}
      data-node={node.name}
      style={{ transform: `translateY(${start}px)` }}
      onClick={() => onPick(index, node.name)}
    >
      {row.getVisibleCells().map((cell) => (
        <div role="gridcell" key={cell.id} className={`cell col-${cell.column.id}`}>
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </div>
      ))}
    </div>
  )
})
