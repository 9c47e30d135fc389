'use client'

import type { SearchFigures } from '../../src/store/searchStats.js'
import type { DashboardSearch } from './loadSearch.js'
import type { ValueFormat } from './metrics.js'

import { useConfig } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import React from 'react'
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import { SOURCES_VIEW_PATH } from '../../src/constants.js'
import { periodLabel, usePalette } from './Charts.client.js'
import { noVerticalLines, SMALL_CHART_TICKS, tickInterval } from './chartTicks.js'
import { formatValue } from './metrics.js'

/** The four Search Console figures, as cards and columns. Position: lower is better. */
const FIGURES: Array<{ format: ValueFormat; key: keyof SearchFigures; label: string }> = [
  { format: 'count', key: 'clicks', label: 'Clicks' },
  { format: 'count', key: 'impressions', label: 'Impressions' },
  { format: 'percent', key: 'ctr', label: 'CTR' },
  { format: 'decimal', key: 'position', label: 'Avg. position' },
]

/** The four figures' column heads, in the order of their cells. */
function FigureHeads() {
  return FIGURES.map((figure) => (
    <th className="pa-num" key={figure.key} scope="col">
      {figure.label}
    </th>
  ))
}

/** One row's four figures (a top query or page, or a day), formatted, with their raw values for tests and copy. */
function FigureCells({ figures }: { figures: SearchFigures }) {
  return FIGURES.map((figure) => (
    <td className="pa-num" data-field={figure.key} data-value={figures[figure.key]} key={figure.key}>
      {formatValue(figures[figure.key], figure.format)}
    </td>
  ))
}

function TopTable({ keyLabel, rows, title }: { keyLabel: string; rows: DashboardSearch['top']['queries']; title: string }) {
  return (
    <section aria-label={title} className="pa-panel" data-testid="analytics-search-top">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="pa-empty-list">Nothing in this range.</p>
      ) : (
        <div className="pa-table-scroll">
          <table className="pa-table">
            <thead>
              <tr>
                <th scope="col">{keyLabel}</th>
                <FigureHeads />
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr data-key={row.key} key={row.key}>
                  <td className="pa-bar-label">{row.key || '(none)'}</td>
                  <FigureCells figures={row} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/** Clicks and impressions per day (two scales), and CTR with average position (position's axis upside down: 1 is the top). */
function SearchCharts({ series }: { series: DashboardSearch['series'] }) {
  const colors = usePalette()
  const rows = series.map((point) => ({ ...point, label: periodLabel(point.date, 'day') }))
  // Fixed label steps: recharts then measures no label in the DOM (chartTicks.ts says why).
  const axis = { interval: 0, stroke: colors.axis, tick: { fill: colors.axis, fontSize: 12 } }
  const xAxis = <XAxis dataKey="label" {...axis} interval={tickInterval(rows.length, SMALL_CHART_TICKS)} />
  const tooltip = (format: (value: number, name: string) => string) => (
    <Tooltip
      contentStyle={{ background: 'var(--theme-elevation-0)', border: '1px solid var(--theme-elevation-150)', color: 'var(--theme-text)' }}
      formatter={(value, name) => [typeof value === 'number' ? format(value, String(name)) : '–', name]}
    />
  )
  return (
    <div aria-hidden="true" className="pa-charts" data-chart="search">
      <div className="pa-chart pa-chart--small">
        <ResponsiveContainer height="100%" width="100%">
          <LineChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
            <CartesianGrid stroke={colors.grid} vertical={false} verticalCoordinatesGenerator={noVerticalLines} />
            {xAxis}
            <YAxis allowDecimals={false} width={48} yAxisId="clicks" {...axis} />
            <YAxis allowDecimals={false} orientation="right" width={56} yAxisId="impressions" {...axis} />
            {tooltip((value) => formatValue(value, 'count'))}
            <Legend />
            <Line dataKey="clicks" dot={false} isAnimationActive={false} name="Clicks" stroke={colors.primary} strokeWidth={2} type="linear" yAxisId="clicks" />
            <Line dataKey="impressions" dot={false} isAnimationActive={false} name="Impressions" stroke={colors.secondary} strokeWidth={2} type="linear" yAxisId="impressions" />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="pa-chart pa-chart--small">
        <ResponsiveContainer height="100%" width="100%">
          <LineChart data={rows} margin={{ bottom: 0, left: 0, right: 8, top: 8 }}>
            <CartesianGrid stroke={colors.grid} vertical={false} verticalCoordinatesGenerator={noVerticalLines} />
            {xAxis}
            <YAxis tickFormatter={(value: number) => `${Math.round(value * 1000) / 10}%`} width={48} yAxisId="ctr" {...axis} />
            <YAxis orientation="right" reversed width={40} yAxisId="position" {...axis} />
            {tooltip((value, name) => formatValue(value, name === 'CTR' ? 'percent' : 'decimal'))}
            <Legend />
            <Line dataKey="ctr" dot={false} isAnimationActive={false} name="CTR" stroke={colors.tertiary} strokeWidth={2} type="linear" yAxisId="ctr" />
            <Line dataKey="position" dot={false} isAnimationActive={false} name="Avg. position" stroke={colors.imported} strokeWidth={2} type="linear" yAxisId="position" />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  )
}

/** The same days as a table: the accessible form of the charts (and what "Show as tables" shows). */
function SearchTable({ series }: { series: DashboardSearch['series'] }) {
  return (
    <div className="pa-table-scroll">
      <table className="pa-table" data-testid="analytics-search-series">
        <caption>Search Console figures per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <FigureHeads />
          </tr>
        </thead>
        <tbody>
          {series.map((point) => (
            <tr data-date={point.date} key={point.date}>
              <th scope="row">{periodLabel(point.date, 'day')}</th>
              <FigureCells figures={point} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * Google Search Console for the one site in view: totals, the daily figures and the top
 * queries and pages of the range. Without figures it says why in a line (no connection,
 * or none yet for these days: Google reports two to three days late).
 */
export function SearchPanel({ search, table }: { search: DashboardSearch; table: boolean }) {
  const { config } = useConfig()
  const sourcesHref = formatAdminURL({ adminRoute: config.routes.admin, path: SOURCES_VIEW_PATH })
  const empty = search.series.length === 0
  return (
    <section aria-labelledby="pa-search" className="pa-panel" data-testid="analytics-search">
      <h2 id="pa-search">Search (Google Search Console)</h2>
      {empty ? (
        <p className="pa-empty-list" data-testid="analytics-search-hint">
          {search.connected ? (
            'No Search Console figures for this range yet: Google reports them two to three days late, and they arrive with the nightly sync.'
          ) : (
            <>
              This site is not connected to Search Console.{' '}
              <a href={sourcesHref}>Connect Search Console</a> to see its clicks, impressions and
              queries here.
            </>
          )}
        </p>
      ) : (
        <div style={{ display: 'grid', gap: 'var(--pa-gap)' }}>
          <ul aria-label="Search totals" className="pa-kpis">
            {FIGURES.map((figure) => (
              <li className="pa-card" data-search-total={figure.key} key={figure.key}>
                <p className="pa-kpi-label">{figure.label}</p>
                <p className="pa-kpi-value" data-value={search.totals[figure.key]}>
                  {formatValue(search.totals[figure.key], figure.format)}
                </p>
              </li>
            ))}
          </ul>
          {table ? <SearchTable series={search.series} /> : <SearchCharts series={search.series} />}
          <div className="pa-lists">
            <TopTable keyLabel="Query" rows={search.top.queries} title="Top search queries" />
            <TopTable keyLabel="Page" rows={search.top.pages} title="Top pages in search" />
          </div>
        </div>
      )}
    </section>
  )
}
