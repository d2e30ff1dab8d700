import { useEffect, useId, useState } from 'react'
import type { NodeFilters } from '../api/types'
import { CC_MODES, EMPTY_FILTERS, MISSING_PARTS, READINESS, TPM_FAMILIES } from '../api/types'
import { FAMILY_LABEL, label, MISSING_PART_LABEL, MODE_LABEL, READINESS_LABEL } from '../format'

// Typing settles this long before the search goes to the server.
export const SEARCH_DEBOUNCE_MS = 250

export interface FiltersProps {
  filters: NodeFilters
  waves: string[]
  onChange: (patch: Partial<NodeFilters>) => void
}

export function hasActiveFilters(f: NodeFilters): boolean {
  return (
    f.q !== '' ||
    f.mode !== '' ||
    f.family !== '' ||
    f.readiness !== '' ||
    f.missing !== '' ||
    f.stale !== '' ||
    f.wave !== ''
  )
}

export function Filters({ filters, waves, onChange }: FiltersProps) {
  const id = useId()
  const [text, setText] = useState(filters.q)
  // Outside changes (clear, URL) replace what is typed: adjusted while rendering, as React
  // recommends for state derived from a prop, rather than one render late in an effect.
  const [shownQ, setShownQ] = useState(filters.q)
  if (shownQ !== filters.q) {
    setShownQ(filters.q)
    setText(filters.q)
  }

  useEffect(() => {
    if (text === filters.q) return
    const t = setTimeout(() => onChange({ q: text }), SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(t)
  }, [text, filters.q, onChange])

  const waveOptions = filters.wave && !waves.includes(filters.wave) ? [...waves, filters.wave] : waves

  return (
    <form className="filters" role="search" aria-label="Filter nodes" onSubmit={(e) => {
      e.preventDefault()
      onChange({ q: text })
    }}>
      <div className="field field-search">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`}
          type="search"
          placeholder="node name"
          value={text}
          autoComplete="off"
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-mode`}>CC mode</label>
        <select id={`${id}-mode`} value={filters.mode} onChange={(e) => onChange({ mode: e.target.value as NodeFilters['mode'] })}>
          <option value="">any</option>
          {CC_MODES.map((m) => (
            <option key={m} value={m}>
              {m} — {label(MODE_LABEL, m)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-family`}>TPM family</label>
        <select id={`${id}-family`} value={filters.family} onChange={(e) => onChange({ family: e.target.value as NodeFilters['family'] })}>
          <option value="">any</option>
          {TPM_FAMILIES.map((f) => (
            <option key={f} value={f}>
              {f} — {label(FAMILY_LABEL, f)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-readiness`}>Readiness</label>
        <select
          id={`${id}-readiness`}
          value={filters.readiness}
          onChange={(e) => onChange({ readiness: e.target.value as NodeFilters['readiness'] })}
        >
          <option value="">any</option>
          {READINESS.map((r) => (
            <option key={r} value={r}>
              {label(READINESS_LABEL, r)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-missing`}>Missing part</label>
        <select
          id={`${id}-missing`}
          value={filters.missing}
          onChange={(e) => onChange({ missing: e.target.value as NodeFilters['missing'] })}
        >
          <option value="">any</option>
          {MISSING_PARTS.map((p) => (
            <option key={p} value={p}>
              {p} — {label(MISSING_PART_LABEL, p)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-stale`}>Freshness</label>
        <select id={`${id}-stale`} value={filters.stale} onChange={(e) => onChange({ stale: e.target.value as NodeFilters['stale'] })}>
          <option value="">any</option>
          <option value="true">stale only</option>
          <option value="false">fresh only</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-wave`}>Wave</label>
        <select id={`${id}-wave`} value={filters.wave} onChange={(e) => onChange({ wave: e.target.value })}>
          <option value="">any</option>
          {waveOptions.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </div>
      <button
        type="button"
        className="button"
        disabled={!hasActiveFilters(filters)}
        onClick={() => {
          setText('')
          onChange({ ...EMPTY_FILTERS, sort: filters.sort })
        }}
      >
        Clear filters
      </button>
    </form>
  )
}
