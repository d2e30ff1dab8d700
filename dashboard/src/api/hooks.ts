import { useCallback, useEffect, useRef, useState } from 'react'
import { fetchFleet, fetchNode, fetchNodes, MAX_PAGE_LIMIT } from './client'
import type { FleetSummary, NodeDetail, NodeFilters, NodeRow } from './types'

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError'
}

export interface Loadable<T> {
  data?: T
  error?: Error
  loading: boolean
}

// Fleet totals; refetched whenever refreshKey changes. A failed refresh keeps the
// previous data next to the error, so the page can say it is showing stale figures.
export function useFleet(refreshKey: number): Loadable<FleetSummary> {
  const [state, setState] = useState<Loadable<FleetSummary>>({ loading: true })
  useEffect(() => {
    const ctrl = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    fetchFleet(ctrl.signal).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (!isAbort(error)) setState((s) => ({ data: s.data, error: error as Error, loading: false }))
      },
    )
    return () => ctrl.abort()
  }, [refreshKey])
  return state
}

export function useNodeDetail(name: string | null, refreshKey: number): Loadable<NodeDetail> {
  const [state, setState] = useState<Loadable<NodeDetail>>({ loading: name !== null })
  const shown = useRef<string | null>(null)
  useEffect(() => {
    if (name === null) {
      shown.current = null
      setState({ loading: false })
      return
    }
    const ctrl = new AbortController()
    // A different node starts empty; the same node keeps its data while refreshing.
    const sameNode = shown.current === name
    shown.current = name
    setState((s) => (sameNode ? { ...s, loading: true } : { loading: true }))
    fetchNode(name, ctrl.signal).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (!isAbort(error)) setState((s) => ({ data: sameNode ? s.data : undefined, error: error as Error, loading: false }))
      },
    )
    return () => ctrl.abort()
  }, [name, refreshKey])
  return state
}

export interface NodePages {
  rows: NodeRow[]
  total: number | null
  hasMore: boolean
  loading: boolean
  refreshing: boolean
  error?: Error
  // Load rows until at least `upTo` are present (one request per call).
  loadMore: (upTo: number) => void
  retry: () => void
}

interface PagesState {
  // The filters these rows answer; until the first page for new filters arrives the
  // hook reports "loading" rather than the previous filters' rows and total.
  filters: NodeFilters | null
  rows: NodeRow[]
  total: number | null
  cont: string | null
  loading: boolean
  refreshing: boolean
  error?: Error
}

const INITIAL: PagesState = { filters: null, rows: [], total: null, cont: null, loading: true, refreshing: false }

// Server-side paged rows for the current filters. Pages are fetched with the
// API's continue token as the table scrolls; a change notification (refreshKey)
// re-reads as many rows as are loaded, and swaps them in at once so the view
// does not jump.
export function useNodePages(filters: NodeFilters, refreshKey: number, pageSize: number): NodePages {
  const [state, setState] = useState<PagesState>(INITIAL)
  const stateRef = useRef(state)
  stateRef.current = state
  const ctrl = useRef<AbortController | null>(null)
  const [retryKey, setRetryKey] = useState(0)

  const start = useCallback(() => {
    ctrl.current?.abort()
    const c = new AbortController()
    ctrl.current = c
    return c
  }, [])

  // New filters: start from the first page.
  useEffect(() => {
    const c = start()
    setState({ ...INITIAL, filters })
    fetchNodes(filters, pageSize, null, c.signal).then(
      (page) =>
        setState({ filters, rows: page.items, total: page.total, cont: page.continue, loading: false, refreshing: false }),
      (error: unknown) => {
        if (!isAbort(error)) setState({ ...INITIAL, filters, loading: false, error: error as Error })
      },
    )
    return () => c.abort()
  }, [filters, pageSize, start, retryKey])

  // Fleet changed: re-read what is loaded.
  const seenKey = useRef(refreshKey)
  useEffect(() => {
    if (seenKey.current === refreshKey) return
    seenKey.current = refreshKey
    const c = start()
    const want = Math.max(pageSize, stateRef.current.rows.length)
    setState((s) => ({ ...s, refreshing: true }))
    void (async () => {
      const rows: NodeRow[] = []
      let cont: string | null = null
      let total = 0
      try {
        do {
          const page = await fetchNodes(filters, Math.min(MAX_PAGE_LIMIT, want - rows.length), cont, c.signal)
          rows.push(...page.items)
          cont = page.continue
          total = page.total
        } while (cont && rows.length < want)
        setState({ filters, rows, total, cont, loading: false, refreshing: false })
      } catch (error) {
        if (!isAbort(error)) setState((s) => ({ ...s, loading: false, refreshing: false, error: error as Error }))
      }
    })()
    return () => c.abort()
    // filters and pageSize are read at notification time; a filter change restarts above.
  }, [refreshKey]) // eslint-disable-line react-hooks/exhaustive-deps

  const loadMore = useCallback(
    (upTo: number) => {
      const s = stateRef.current
      if (s.loading || s.refreshing || !s.cont || s.rows.length >= upTo) return
      const c = start()
      const limit = Math.min(MAX_PAGE_LIMIT, Math.max(pageSize, upTo - s.rows.length))
      const cont = s.cont
      setState((prev) => ({ ...prev, loading: true, error: undefined }))
      fetchNodes(filters, limit, cont, c.signal).then(
        (page) =>
          setState((prev) => ({
            filters: prev.filters,
            rows: prev.rows.concat(page.items),
            total: page.total,
            cont: page.continue,
            loading: false,
            refreshing: false,
          })),
        (error: unknown) => {
          if (!isAbort(error)) setState((prev) => ({ ...prev, loading: false, error: error as Error }))
        },
      )
    },
    [filters, pageSize, start],
  )

  const retry = useCallback(() => setRetryKey((k) => k + 1), [])

  if (state.filters !== filters) {
    return { rows: [], total: null, hasMore: false, loading: true, refreshing: false, loadMore, retry }
  }
  return {
    rows: state.rows,
    total: state.total,
    hasMore: state.cont !== null,
    loading: state.loading,
    refreshing: state.refreshing,
    error: state.error,
    loadMore,
    retry,
  }
}
