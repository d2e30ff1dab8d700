import { QueryClient } from '@tanstack/react-query'

// Every query of the fleet API lives under this key, so one invalidation refreshes them all
// (live.ts does it when the event stream announces a change).
export const API_KEY = ['fleet-api'] as const

// The page's one cache. The event stream says when data changes, so nothing goes stale by
// itself (no focus/reconnect/interval refetch), and a failed request is shown with a Retry
// button instead of being repeated behind the user's back.
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: Infinity,
        retry: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
    },
  })
}
