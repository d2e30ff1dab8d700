// One hook per API resource, on TanStack Query: each owns its query key and its fetch;
// live.ts invalidates them all (API_KEY) when the fleet changes. Components only read.
// A new card = one component + one hook here with a key under API_KEY.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useCallback, useMemo } from 'react'
import { fetchEnforcement, fetchFleet, fetchNode, fetchNodes, nodesQuery } from './client'
import { API_KEY } from './queryClient'
import type { EnforcementAnswer, FleetSummary, NodeDetail, NodeFilters, NodeRow } from './types'

export const queryKeys = {
  fleet: [...API_KEY, 'fleet'] as const,
  // The request's own parameters: filters and sort in their canonical form, and page size.
  nodes: (filters: NodeFilters, pageSize: number) => [...API_KEY, 'nodes', nodesQuery(filters, pageSize, null)] as const,
  node: (name: string) => [...API_KEY, 'node', name] as const,
  enforcement: [...API_KEY, 'enforcement'] as const,
}

export interface Loadable<T> {
  data?: T
  error?: Error
  // A request is in flight (the first one, or a refresh with the last data still shown).
  loading: boolean
}

// Fleet totals. A failed refresh keeps the previous data next to the error, so the page
// can say it is showing the last figures received.
export function useFleet(): Loadable<FleetSummary> {
  const q = useQuery({ queryKey: queryKeys.fleet, queryFn: ({ signal }) => fetchFleet(signal) })
  return { data: q.data, error: q.error ?? undefined, loading: q.isFetching }
}

// The enforcement preflight report as the service relays it (its own revision: live.ts
// refetches it on `event: enforcement`, and with everything else on a reconnect).
export function useEnforcement(): Loadable<EnforcementAnswer> {
  const q = useQuery({ queryKey: queryKeys.enforcement, queryFn: ({ signal }) => fetchEnforcement(signal) })
  return { data: q.data, error: q.error ?? undefined, loading: q.isFetching }
}

// One node's documents; a different node starts empty, the same node keeps its data
// while it refreshes.
export function useNodeDetail(name: string | null): Loadable<NodeDetail> {
  const q = useQuery({
    queryKey: queryKeys.node(name ?? ''),
    queryFn: ({ signal }) => fetchNode(name ?? '', signal),
    enabled: name !== null,
  })
  return { data: q.data, error: q.error ?? undefined, loading: q.isFetching }
}

export interface NodePages {
  rows: NodeRow[]
  total: number | null
  hasMore: boolean
  // The first page or a further one is being fetched.
  loading: boolean
  // Every loaded page is being read again (a change notification); the rows stay shown.
  refreshing: boolean
  error?: Error
  // Load the next page unless at least `upTo` rows are present (one request per call).
  loadMore: (upTo: number) => void
  retry: () => void
}

// Server-side paged rows for the current filters, `pageSize` at a time, following the
// API's continue token as the table scrolls. Until the first page for new filters
// arrives there are no rows (never the previous filters' rows and total). A refresh
// re-reads as many pages as are loaded, from the first with fresh continue tokens, and
// swaps them in at once, so the view does not jump.
export function useNodePages(filters: NodeFilters, pageSize: number): NodePages {
  const q = useInfiniteQuery({
    queryKey: queryKeys.nodes(filters, pageSize),
    queryFn: ({ pageParam, signal }) => fetchNodes(filters, pageSize, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.continue,
  })
  const { data, isPending, isFetching, isFetchingNextPage, hasNextPage, fetchNextPage, refetch } = q
  const rows = useMemo(() => data?.pages.flatMap((p) => p.items) ?? [], [data])
  const loaded = rows.length
  // Never while another read runs: a further page must not cancel a refresh, nor race one.
  const loadMore = useCallback(
    (upTo: number) => {
      if (isFetching || !hasNextPage || loaded >= upTo) return
      void fetchNextPage({ cancelRefetch: false })
    },
    [isFetching, hasNextPage, loaded, fetchNextPage],
  )
  const retry = useCallback(() => void refetch(), [refetch])
  return {
    rows,
    total: data?.pages.at(-1)?.total ?? null,
    hasMore: hasNextPage,
    loading: (isPending && isFetching) || isFetchingNextPage,
    refreshing: isFetching && !isPending && !isFetchingNextPage,
    error: q.error ?? undefined,
    loadMore,
    retry,
  }
}
