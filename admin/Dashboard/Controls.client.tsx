'use client'

import type { NamedRange, StatsSite } from '../../src/stats/types.js'
import type { DashboardState } from './state.js'

import React, { useEffect, useId, useState } from 'react'

import { NAMED_RANGES } from '../../src/stats/types.js'
import { RANGE_LABELS } from './state.js'

const SHORT_LABELS: Record<NamedRange, string> = { '7d': '7 days', '30d': '30 days', custom: 'Custom', month: 'Month', today: 'Today', year: 'Year' }

/** Today (UTC) as `YYYY-MM-DD`: stats days are UTC days. */
const utcToday = () => new Date().toISOString().slice(0, 10)

/**
 * Today, 7 days, 30 days, month to date, year to date, or a custom range (two date inputs
 * and Apply). Buttons say which one is on with `aria-pressed`.
 */
export function RangePicker({
  from,
  onChange,
  state,
  to,
}: {
  /** The resolved range, shown in the custom inputs before the user edits them. */
  from: string
  onChange: (next: Partial<DashboardState>) => void
  state: DashboardState
  to: string
}) {
  const [customOpen, setCustomOpen] = useState(state.range === 'custom')
  const [customFrom, setCustomFrom] = useState(state.from ?? from)
  const [customTo, setCustomTo] = useState(state.to ?? to)
  const id = useId()
  useEffect(() => setCustomOpen(state.range === 'custom'), [state.range])
  const invalid = !customFrom || !customTo || customFrom > customTo
  return (
    <div className="pa-field">
      <span className="pa-legend" id={`${id}-legend`}>
        Date range
      </span>
      <div aria-labelledby={`${id}-legend`} className="pa-seg" role="group">
        {NAMED_RANGES.map((range) => (
          <button
            aria-label={RANGE_LABELS[range]}
            aria-pressed={range === 'custom' ? customOpen : state.range === range && !customOpen}
            data-range={range}
            key={range}
            onClick={() => {
              if (range === 'custom') return setCustomOpen(true)
              setCustomOpen(false)
              onChange({ from: undefined, range, to: undefined })
            }}
            type="button"
          >
            {SHORT_LABELS[range]}
          </button>
        ))}
      </div>
      {customOpen ? (
        <form
          className="pa-custom"
          onSubmit={(event) => {
            event.preventDefault()
            if (!invalid) onChange({ from: customFrom, range: 'custom', to: customTo })
          }}
        >
          <label className="pa-field">
            <span>From</span>
            <input className="pa-date" max={utcToday()} name="from" onChange={(event) => setCustomFrom(event.target.value)} required type="date" value={customFrom} />
          </label>
          <label className="pa-field">
            <span>To</span>
            <input className="pa-date" max={utcToday()} name="to" onChange={(event) => setCustomTo(event.target.value)} required type="date" value={customTo} />
          </label>
          <button className="pa-button" disabled={invalid} type="submit">
            Apply
          </button>
        </form>
      ) : null}
    </div>
  )
}

/** The sites the user may read; the empty choice is all of them (or the selected tenant's). */
export function SiteSwitcher({
  allLabel,
  onChange,
  sites,
  value,
}: {
  allLabel: string
  onChange: (site: string | undefined) => void
  sites: StatsSite[]
  value: string | undefined
}) {
  // A site typed into the URL that is not in the list still shows as selected.
  const known = value === undefined || sites.some((site) => String(site.id) === value)
  return (
    <label className="pa-field">
      <span>Site</span>
      <select className="pa-select" name="site" onChange={(event) => onChange(event.target.value || undefined)} value={value ?? ''}>
        <option value="">{allLabel}</option>
        {sites.map((site) => (
          <option key={String(site.id)} value={String(site.id)}>
            {site.name ? `${site.name} (${site.domain})` : site.domain}
          </option>
        ))}
        {known ? null : <option value={value}>Site {value}</option>}
      </select>
    </label>
  )
}
