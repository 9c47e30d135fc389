'use client'

import type { StatsFilter } from '../../src/core/filters.js'
import type { GoalBreakdownRow } from '../../src/stats/types.js'

import React from 'react'

import { formatRevenue, formatValue } from './metrics.js'

/**
 * The goals of the sites in view: conversions, unique converting visitors and conversion
 * rate per goal. Clicking a goal filters the view to the visits that reached it.
 */
export function GoalsList({ onFilter, rows }: { onFilter: (filter: StatsFilter) => void; rows: GoalBreakdownRow[] }) {
  const max = Math.max(1, ...rows.map((row) => row.visitors))
  // A goal read from raw events over a range beginning before them says from when it counts.
  const since = rows.map((row) => row.since).filter((day): day is string => Boolean(day)).sort()[0]
  // A revenue column only where some goal earned any.
  const withRevenue = rows.some((row) => row.revenue.length > 0)
  return (
    <section aria-label="Goals" className="pa-panel" data-breakdown="goals" data-testid="analytics-goals">
      <h3>Goals</h3>
      {rows.length === 0 ? (
        <p className="pa-empty-list">No goals for this site yet (Settings → Goals).</p>
      ) : (
        <div className="pa-table-scroll">
          <table className="pa-table">
            <thead>
              <tr>
                <th scope="col">Goal</th>
                <th className="pa-num" scope="col" title="Unique visitors who converted">
                  Converting visitors
                </th>
                <th className="pa-num" scope="col" title="Times the goal was reached">
                  Conversions
                </th>
                <th className="pa-num" scope="col" title="Converting visitors ÷ visitors">
                  Conversion rate
                </th>
                {withRevenue ? (
                  <th className="pa-num" scope="col" title="Revenue of the converting events, per currency">
                    Revenue
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr data-key={row.key} key={row.key}>
                  <td className="pa-bar-cell">
                    <span aria-hidden="true" className="pa-bar" style={{ width: `${(row.visitors / max) * 100}%` }} />
                    <button
                      className="pa-bar-label pa-row-filter"
                      onClick={() => onFilter({ dimension: 'goal', op: 'is', values: [row.key] })}
                      title={`Filter by Goal is ${row.key}`}
                      type="button"
                    >
                      {row.key}
                    </button>
                  </td>
                  <td className="pa-num" data-field="visitors">
                    {formatValue(row.visitors, 'count')}
                  </td>
                  <td className="pa-num" data-field="conversions">
                    {formatValue(row.conversions, 'count')}
                  </td>
                  <td className="pa-num" data-field="conversionRate">
                    {formatValue(row.conversionRate, 'percent')}
                  </td>
                  {withRevenue ? (
                    <td className="pa-num" data-field="revenue" data-value={JSON.stringify(row.revenue)}>
                      {formatRevenue(row.revenue)}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {since ? <p className="pa-empty-list">Goals on pages or properties count from {since} (the oldest raw events kept).</p> : null}
    </section>
  )
}
