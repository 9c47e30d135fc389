'use client'

import type { StatsFilter } from '../../src/core/filters.js'

import React from 'react'

import { filterLabel, filterParam } from './filterState.js'

/** The applied filters as removable chips (each a button: removing it navigates to the view without it). */
export function FilterChips({ filters, onClear, onRemove }: { filters: StatsFilter[]; onClear: () => void; onRemove: (filter: StatsFilter) => void }) {
  if (filters.length === 0) return null
  return (
    <ul aria-label="Filters" className="pa-chips" data-testid="analytics-filters">
      {filters.map((filter) => {
        const label = filterLabel(filter)
        return (
          <li className="pa-chip" data-filter={filterParam(filter)} data-testid="analytics-filter" key={filterParam(filter)}>
            <span>{label}</span>
            <button aria-label={`Remove filter: ${label}`} className="pa-chip-remove" onClick={() => onRemove(filter)} type="button">
              ×
            </button>
          </li>
        )
      })}
      {filters.length > 1 ? (
        <li>
          <button className="pa-link" onClick={onClear} type="button">
            Clear all
          </button>
        </li>
      ) : null}
    </ul>
  )
}
