'use client'

import type { CompareResult, Interval, StatsTotalName } from '../../src/stats/types.js'
import type { ValueFormat } from './metrics.js'

import { useTheme } from '@payloadcms/ui'
import React from 'react'
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import { noVerticalLines, SMALL_CHART_TICKS, tickInterval, WIDE_CHART_TICKS } from './chartTicks.js'
import { importedPeriods } from './importedPeriods.js'
import { formatValue, seriesValue } from './metrics.js'

/** Series colours per theme: SVG attributes cannot read CSS variables, so the theme picks. */
const PALETTES = {
  dark: { axis: '#9aa3b2', grid: '#2f3540', imported: '#a78bfa', primary: '#60a5fa', previous: '#6b7280', secondary: '#4ade80', tertiary: '#fbbf24' },
  light: { axis: '#5b6472', grid: '#e3e6eb', imported: '#7c3aed', primary: '#2563eb', previous: '#a1a8b3', secondary: '#16a34a', tertiary: '#d97706' },
}

/** The chart colours of the admin's current theme. */
export function usePalette() {
  const { theme } = useTheme()
  return PALETTES[theme === 'dark' ? 'dark' : 'light']
}

const dayFormat = new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const monthFormat = new Intl.DateTimeFormat('en-US', { month: 'short', timeZone: 'UTC', year: 'numeric' })

/** A period's label: `14:00` (the site's local hour), `Nov 3`, `Week of Nov 3`, `Nov 2026`. */
export function periodLabel(date: string, interval: Interval): string {
  // `2026-11-01T01:00-04:00`: the local clock hour is in the label itself.
  if (interval === 'hour') return date.slice(11, 16)
  const when = new Date(`${date}T00:00:00Z`)
  if (interval === 'month') return monthFormat.format(when)
  return interval === 'week' ? `Week of ${dayFormat.format(when)}` : dayFormat.format(when)
}

export interface SeriesSpec {
  format: ValueFormat
  key: StatsTotalName
  label: string
}

type Row = Record<string, boolean | null | number | string>

/**
 * Rows of the chart (and of its table): one per period, the previous period's value beside,
 * and whether it holds imported days.
 */
const rowsOf = (compare: CompareResult, specs: SeriesSpec[]): Row[] => {
  const imported = importedPeriods(compare.series.map(({ current }) => current.date), compare.interval, compare.imported, compare.range.to)
  return compare.series.map(({ current, previous }, index) => {
    // No previous period (`compare.previousAvailable` false): its cells stay empty ('–'), no line.
    const row: Row = { imported: imported[index]!, label: periodLabel(current.date, compare.interval), previousDate: previous?.date ?? null }
    for (const spec of specs) {
      row[spec.key] = seriesValue(current, spec.key)
      row[`previous_${spec.key}`] = previous ? seriesValue(previous, spec.key) : null
    }
    return row
  })
}

const cell = (value: Row[string] | undefined, format: ValueFormat) => (typeof value === 'number' ? formatValue(value, format) : '–')

/** The text alternative of a chart: the same numbers as a table. */
export function SeriesTable({ caption, compare, specs, withPrevious }: { caption: string; compare: CompareResult; specs: SeriesSpec[]; withPrevious?: boolean }) {
  const rows = rowsOf(compare, specs)
  return (
    <div className="pa-table-scroll">
      <table className="pa-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            {specs.map((spec) => (
              <th className="pa-num" key={spec.key} scope="col">
                {spec.label}
              </th>
            ))}
            {withPrevious
              ? specs.map((spec) => (
                  <th className="pa-num" key={`previous-${spec.key}`} scope="col">
                    {spec.label}, previous period
                  </th>
                ))
              : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr data-imported={row.imported || undefined} key={String(row.label)}>
              <th scope="row">
                {row.label}
                {row.imported ? <span className="pa-imported-tag"> (imported)</span> : null}
              </th>
              {specs.map((spec) => (
                <td className="pa-num" key={spec.key}>
                  {cell(row[spec.key], spec.format)}
                </td>
              ))}
              {withPrevious
                ? specs.map((spec) => (
                    <td className="pa-num" key={`previous-${spec.key}`}>
                      {cell(row[`previous_${spec.key}`], spec.format)}
                    </td>
                  ))
                : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export type ChartKind = 'activity' | 'aiTokens' | 'leads' | 'traffic'

export const CHART_SERIES: Record<ChartKind, SeriesSpec[]> = {
  activity: [
    { format: 'count', key: 'automationRuns', label: 'Automation runs' },
    { format: 'count', key: 'exports', label: 'Export jobs' },
  ],
  aiTokens: [{ format: 'count', key: 'aiTokens', label: 'AI tokens' }],
  leads: [
    { format: 'count', key: 'leads', label: 'Leads' },
    { format: 'percent', key: 'conversionRate', label: 'Conversion rate' },
  ],
  traffic: [
    { format: 'count', key: 'visitors', label: 'Visitors' },
    { format: 'count', key: 'pageviews', label: 'Pageviews' },
  ],
}

/**
 * One of the dashboard's charts. The chart itself is hidden from screen readers
 * (`aria-hidden`): its table (the toggle) is the accessible form of the same numbers.
 * Lines are straight from period to period (`linear`): a smoothed curve invents slopes
 * between the measured points. Counts of periods without data are 0 (the series is
 * zero-filled); ratios there are gaps (`seriesValue`).
 */
export function SeriesChart({ compare, kind }: { compare: CompareResult; kind: ChartKind }) {
  const colors = usePalette()
  const specs = CHART_SERIES[kind]
  const rows = rowsOf(compare, specs)
  const marked = rows.filter((row) => row.imported)
  // Imported periods are one stretch (the days before the site's own data): one band over them,
  // a line when it is a single period (a band between a point and itself has no width).
  const firstImported = marked[0]?.label as string | undefined
  const lastImported = marked.at(-1)?.label as string | undefined
  // The leads chart has two named y axes: the mark belongs to one of them.
  const yAxis = kind === 'leads' ? { yAxisId: 'count' } : {}
  const importedMark =
    firstImported === undefined ? null : firstImported === lastImported ? (
      <ReferenceLine stroke={colors.imported} strokeDasharray="2 3" strokeWidth={6} strokeOpacity={0.35} x={firstImported} {...yAxis} />
    ) : (
      <ReferenceArea fill={colors.imported} fillOpacity={0.12} x1={firstImported} x2={lastImported} {...yAxis} />
    )
  // Fixed label steps (`interval` a number): recharts then measures no label in the DOM (chartTicks.ts says why).
  // The y axes show every tick they compute (5 by default), which never crowd at these heights.
  const axis = { interval: 0, stroke: colors.axis, tick: { fill: colors.axis, fontSize: 12 } }
  const tooltip = (
    <Tooltip
      contentStyle={{ background: 'var(--theme-elevation-0)', border: '1px solid var(--theme-elevation-150)', color: 'var(--theme-text)' }}
      formatter={(value, name) => {
        const spec = specs.find((candidate) => candidate.label === name || `${candidate.label}, previous period` === name)
        return [cell(typeof value === 'number' ? value : null, spec?.format ?? 'count'), name]
      }}
    />
  )
  const grid = <CartesianGrid stroke={colors.grid} vertical={false} verticalCoordinatesGenerator={noVerticalLines} />
  const xAxis = <XAxis dataKey="label" {...axis} interval={tickInterval(rows.length, kind === 'traffic' ? WIDE_CHART_TICKS : SMALL_CHART_TICKS)} />

  let chart: React.ReactElement
  if (kind === 'traffic') {
    chart = (
      <LineChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
        {grid}
        {importedMark}
        {xAxis}
        <YAxis allowDecimals={false} width={48} {...axis} />
        {tooltip}
        <Legend />
        <Line dataKey="previous_visitors" dot={false} isAnimationActive={false} name="Visitors, previous period" stroke={colors.previous} strokeDasharray="4 4" strokeOpacity={0.7} strokeWidth={1.5} type="linear" />
        <Line dataKey="visitors" dot={false} isAnimationActive={false} name="Visitors" stroke={colors.primary} strokeWidth={2.5} type="linear" />
        <Line dataKey="pageviews" dot={false} isAnimationActive={false} name="Pageviews" stroke={colors.secondary} strokeWidth={2} type="linear" />
      </LineChart>
    )
  } else if (kind === 'leads') {
    chart = (
      <ComposedChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
        {grid}
        {importedMark}
        {xAxis}
        <YAxis allowDecimals={false} width={40} yAxisId="count" {...axis} />
        <YAxis orientation="right" tickFormatter={(value: number) => `${Math.round(value * 100)}%`} width={44} yAxisId="rate" {...axis} />
        {tooltip}
        <Legend />
        <Bar dataKey="leads" fill={colors.primary} isAnimationActive={false} name="Leads" yAxisId="count" />
        <Line dataKey="conversionRate" dot={false} isAnimationActive={false} name="Conversion rate" stroke={colors.tertiary} strokeWidth={2} type="linear" yAxisId="rate" />
      </ComposedChart>
    )
  } else if (kind === 'activity') {
    chart = (
      <BarChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
        {grid}
        {importedMark}
        {xAxis}
        <YAxis allowDecimals={false} width={40} {...axis} />
        {tooltip}
        <Legend />
        <Bar dataKey="automationRuns" fill={colors.primary} isAnimationActive={false} name="Automation runs" />
        <Bar dataKey="exports" fill={colors.secondary} isAnimationActive={false} name="Export jobs" />
      </BarChart>
    )
  } else {
    chart = (
      <AreaChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
        {grid}
        {importedMark}
        {xAxis}
        <YAxis allowDecimals={false} width={56} {...axis} />
        {tooltip}
        <Area dataKey="aiTokens" fill={colors.tertiary} fillOpacity={0.25} isAnimationActive={false} name="AI tokens" stroke={colors.tertiary} strokeWidth={2} type="linear" />
      </AreaChart>
    )
  }
  return (
    <>
      <div aria-hidden="true" className={kind === 'traffic' ? 'pa-chart' : 'pa-chart pa-chart--small'} data-chart={kind}>
        <ResponsiveContainer height="100%" width="100%">
          {chart}
        </ResponsiveContainer>
      </div>
      {compare.imported && marked.length ? (
        <p className="pa-imported-legend" data-from={compare.imported.from} data-testid="analytics-imported-marker" data-to={compare.imported.to}>
          <span aria-hidden="true" className="pa-imported-swatch" style={{ background: colors.imported }} />
          Imported ({compare.imported.from === compare.imported.to ? compare.imported.from : `${compare.imported.from} to ${compare.imported.to}`})
        </p>
      ) : null}
    </>
  )
}

/** A small trend line for the comparison table (plain SVG: dozens of them stay cheap). */
export function Sparkline({ label, values }: { label: string; values: number[] }) {
  const width = 120
  const height = 28
  if (values.length < 2) return null
  const max = Math.max(...values, 1)
  const step = width / (values.length - 1)
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`).join(' ')
  return (
    <svg aria-label={label} className="pa-spark" height={height} role="img" viewBox={`0 0 ${width} ${height}`} width={width}>
      <polyline fill="none" points={points} stroke="var(--theme-success-500)" strokeLinejoin="round" strokeWidth="1.75" />
    </svg>
  )
}
