// Live updates: follows the event stream and invalidates every API query (API_KEY) when
// the fleet changed, and the enforcement report's query when that report changed. All bookkeeping lives in the subscription, never in render.
import { hashKey, useQueryClient } from '@tanstack/react-query'
import type { QueryCacheNotifyEvent } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { subscribeFleetEvents } from './client'
import type { LiveState } from './client'
import { queryKeys } from './hooks'
import { API_KEY } from './queryClient'
import type { EnforcementAnswer, FleetSummary } from './types'

// Refetches start at most this often, however fast the service announces changes
// (it coalesces to one event per 250 ms; the page must follow within 2 s).
export const MIN_REFRESH_INTERVAL_MS = 1_000

const FLEET_HASH = hashKey(queryKeys.fleet)

// The totals of a fleet load that just succeeded.
function fleetLoaded(event: QueryCacheNotifyEvent): FleetSummary | undefined {
  if (event.type !== 'updated' || event.action.type !== 'success') return undefined
  return event.query.queryHash === FLEET_HASH ? (event.query.state.data as FleetSummary) : undefined
}

// A revision newer than the figures shown, or a reconnect after a gap (events may have
// been missed), refetches. The stream's first event repeats the current revision. While
// the totals load, an event only raises the bar that load is checked against when it
// lands, so a busy fleet never starves the refetch. `streamKey` changes when the stream
// must be opened again (a new token: the old stream was refused).
export function useLiveUpdates(streamKey: number): LiveState {
  const client = useQueryClient()
  const [live, setLive] = useState<LiveState>('connecting')
  useEffect(() => {
    let announced = -1
    let wasLive = false
    let lastRefresh = 0
    let timer: ReturnType<typeof setTimeout> | null = null
    const refresh = () => {
      if (timer !== null) return
      const wait = Math.max(0, lastRefresh + MIN_REFRESH_INTERVAL_MS - Date.now())
      timer = setTimeout(() => {
        timer = null
        lastRefresh = Date.now()
        void client.invalidateQueries({ queryKey: API_KEY })
      }, wait)
    }
    const stopWatchingCache = client.getQueryCache().subscribe((event) => {
      const fleet = fleetLoaded(event)
      if (fleet && announced > fleet.revision) refresh()
    })
    const stopEvents = subscribeFleetEvents(
      (revision) => {
        announced = Math.max(announced, revision)
        const shown = client.getQueryData<FleetSummary>(queryKeys.fleet)?.revision
        if (shown !== undefined && revision > shown && client.isFetching({ queryKey: queryKeys.fleet }) === 0) refresh()
      },
      (state) => {
        setLive(state)
        if (state === 'live') {
          if (wasLive) refresh()
          wasLive = true
        }
      },
      (revision) => {
        // Reports change seldom (only when their content does): fetched again at once.
        const shown = client.getQueryData<EnforcementAnswer>(queryKeys.enforcement)?.revision
        if (shown === undefined || revision > shown) void client.invalidateQueries({ queryKey: queryKeys.enforcement })
      },
    )
    return () => {
      stopEvents()
      stopWatchingCache()
      if (timer !== null) clearTimeout(timer)
    }
  }, [client, streamKey])
  return live
}
