import type { NodeFilters, SortKey } from './api/types'
import { CC_MODES, EMPTY_FILTERS, MISSING_PARTS, READINESS, TPM_FAMILIES } from './api/types'

const SORT_KEYS: SortKey[] = ['name', '-name', 'mode', 'family', 'readiness', 'lastSeen', '-lastSeen']

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : ''
}

// The page's state lives in its query string, so a filtered view can be shared
// and survives a reload. Unknown values are dropped rather than sent on.
export function filtersFromSearch(search: string): { filters: NodeFilters; node: string | null } {
  const p = new URLSearchParams(search)
  const stale = p.get('stale')
  const sort = p.get('sort')
  return {
    filters: {
      q: p.get('q') ?? '',
      mode: oneOf(p.get('mode'), CC_MODES),
      family: oneOf(p.get('family'), TPM_FAMILIES),
      readiness: oneOf(p.get('readiness'), READINESS),
      missing: oneOf(p.get('missing'), MISSING_PARTS),
      stale: stale === 'true' || stale === 'false' ? stale : '',
      wave: p.get('wave') ?? '',
      sort: sort !== null && (SORT_KEYS as string[]).includes(sort) ? (sort as SortKey) : EMPTY_FILTERS.sort,
    },
    node: p.get('node'),
  }
}

export function searchFromFilters(f: NodeFilters, node: string | null): string {
  const p = new URLSearchParams()
  for (const key of ['q', 'mode', 'family', 'readiness', 'missing', 'stale', 'wave'] as const) {
    if (f[key]) p.set(key, f[key])
  }
  if (f.sort !== EMPTY_FILTERS.sort) p.set('sort', f.sort)
  if (node) p.set('node', node)
  const s = p.toString()
  return s ? `?${s}` : ''
}
