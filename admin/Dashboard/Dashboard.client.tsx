'use client'

import type { StatsFilter } from '../../src/core/filters.js'
import type { BreakdownRow, RealtimeResult, StatsTotals } from '../../src/stats/types.js'
import type { DashboardData } from './loadDashboard.js'
import type { BreakdownList } from './metrics.js'
import type { DashboardState } from './state.js'

import { usePathname, useRouter } from 'next/navigation.js'
import React, { useCallback, useEffect, useState, useTransition } from 'react'

import { CHART_SERIES, SeriesChart, SeriesTable, Sparkline } from './Charts.client.js'
import { KpiNotes } from './KpiNotes.js'
import { cardNotes } from './kpiWording.js'
import { RangePicker, SiteSwitcher } from './Controls.client.js'
import { FilterChips } from './FilterChips.client.js'
import { FunnelChart } from './FunnelChart.client.js'
import { GoalsList } from './GoalsList.client.js'
import { BREAKDOWN_FILTER_DIMENSION, filterLabel, withFilter, withoutFilter } from './filterState.js'
import { BREAKDOWN_LISTS, columnCell, describeChange, formatRevenue, formatValue, KPIS, RATIO_BASES } from './metrics.js'
import { OutageNotice } from './OutageNotice.js'
import { SearchPanel } from './SearchPanel.client.js'
import { dashboardSearch, RANGE_LABELS } from './state.js'

export type DashboardMode = 'admin' | 'share' | 'site'

export interface DashboardProps {
  /** The host's REST prefix (`/api`): Export CSV and the realtime badge call the stats endpoints. */
  apiRoute: string
  data: DashboardData
  mode: DashboardMode
}

const REALTIME_POLL_MS = 30_000

const rangeText = (from: string, to: string) => (from === to ? from : `${from} to ${to}`)

const isEmpty = (totals: StatsTotals) =>
  totals.pageviews === 0 && totals.visitors === 0 && totals.leads === 0 && totals.aiTokens === 0 && totals.automationRuns === 0 && totals.exports === 0 && totals.forms === 0

/** Visitors now, refreshed every 30 s while the page is open; says so when realtime is unavailable (503). */
function RealtimeBadge({ apiRoute, initial, siteIds }: { apiRoute: string; initial: null | RealtimeResult; siteIds: string }) {
  const [realtime, setRealtime] = useState(initial)
  // Server-rendered first: `data-live` says the refresh timer runs (the page has hydrated).
  const [live, setLive] = useState(false)
  useEffect(() => setRealtime(initial), [initial])
  useEffect(() => {
    setLive(true)
    const timer = setInterval(() => {
      const query = siteIds ? `?siteId=${encodeURIComponent(siteIds)}` : ''
      fetch(`${apiRoute}/analytics/realtime${query}`, { credentials: 'include' })
        .then((response) => (response.ok ? (response.json() as Promise<RealtimeResult>) : response.status === 503 ? null : undefined))
        .then((next) => next !== undefined && setRealtime(next))
        .catch(() => undefined)
    }, REALTIME_POLL_MS)
    return () => clearInterval(timer)
  }, [apiRoute, siteIds])
  if (!realtime) {
    return (
      <span className="pa-realtime pa-realtime--off" data-live={live || undefined} data-testid="analytics-realtime" title="Realtime counts need Redis, which is not reachable">
        Realtime unavailable
      </span>
    )
  }
  const visitors = realtime.visitors
  return (
    <span className="pa-realtime" data-live={live || undefined} data-testid="analytics-realtime" title={`Visitors in the last ${realtime.windowMinutes} minutes`}>
      {formatValue(visitors, 'count')} {visitors === 1 ? 'visitor' : 'visitors'} now
    </span>
  )
}

function RankedList({ list, onFilter, rows }: { list: BreakdownList; onFilter: (filter: StatsFilter) => void; rows: BreakdownRow[] }) {
  const [ranked] = list.columns
  const max = Math.max(1, ...rows.map((row) => row[ranked!.field] ?? 0))
  return (
    <section aria-label={list.title} className="pa-panel" data-breakdown={list.breakdown} data-testid="analytics-list">
      <h3>{list.title}</h3>
      {rows.length === 0 ? (
        <p className="pa-empty-list">Nothing in this range.</p>
      ) : (
        // Scrolls on its own on a narrow screen (Top pages has four number columns) instead of widening the page.
        <div className="pa-table-scroll">
        <table className="pa-table">
          <thead>
            <tr>
              <th scope="col">{list.keyLabel}</th>
              {list.columns.map((column) => (
                <th className="pa-num" data-field={column.field} key={column.field} scope="col" title={column.description}>
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr data-key={row.key} key={row.key}>
                <td className="pa-bar-cell">
                  <span aria-hidden="true" className="pa-bar" style={{ width: `${((row[ranked!.field] ?? 0) / max) * 100}%` }} />
                  {/* A button: clicking the row's key filters the whole view by it. */}
                  <button
                    className="pa-bar-label pa-row-filter"
                    onClick={() => onFilter({ dimension: BREAKDOWN_FILTER_DIMENSION[list.breakdown], op: 'is', values: [row.key] })}
                    title={`Filter by ${filterLabel({ dimension: BREAKDOWN_FILTER_DIMENSION[list.breakdown], op: 'is', values: [row.key] })}`}
                    type="button"
                  >
                    {row.key || '(none)'}
                  </button>
                </td>
                {list.columns.map((column) => (
                  <td className="pa-num" data-field={column.field} key={column.field}>
                    {columnCell(row[column.field], column.format)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  )
}

/**
 * The dashboard: controls, KPI cards, charts (or their tables), ranked lists and the site
 * comparison. Its state is the page URL: every control navigates, the server view loads
 * the stats for the new URL, and this component shows "Loading…" meanwhile.
 */
export function Dashboard({ apiRoute, data, mode }: DashboardProps) {
  const router = useRouter()
  const pathname = usePathname()
  const [pending, startTransition] = useTransition()
  const { compare, stats, state } = data
  const filters = state.filters ?? []

  const navigate = useCallback(
    (next: Partial<DashboardState>) => {
      const search = dashboardSearch({ ...state, ...next })
      startTransition(() => router.push(`${pathname}${search}`, { scroll: false }))
    },
    [pathname, router, state],
  )

  const siteName = (id: string) => {
    const site = data.sites.find((candidate) => String(candidate.id) === id) ?? stats.sites.find((row) => String(row.site.id) === id)?.site
    return site ? site.name || site.domain : `Site ${id}`
  }
  const scope =
    mode === 'admin' && state.site === undefined ? (data.tenant ? `all sites of ${data.tenant}` : 'all your sites') : siteName(String(data.selected[0]))
  const empty = isEmpty(stats.totals)
  const realtimeSites = mode === 'admin' && state.site === undefined && !data.tenant ? '' : data.selected.map(String).join(',')

  return (
    <div aria-busy={pending} className="pa-dashboard" data-testid="analytics-dashboard">
      <div className="pa-toolbar" role="toolbar" aria-label="Analytics controls">
        {mode === 'admin' ? (
          <SiteSwitcher
            allLabel={data.tenant ? `All sites of ${data.tenant}` : 'All sites'}
            onChange={(site) => navigate({ site })}
            sites={data.sites}
            value={state.site}
          />
        ) : null}
        <RangePicker from={stats.range.from} onChange={navigate} state={state} to={stats.range.to} />
        <span className="pa-spacer" />
        {mode !== 'share' ? <RealtimeBadge apiRoute={apiRoute} initial={data.realtime} siteIds={realtimeSites} /> : null}
        <button aria-pressed={Boolean(state.table)} className="pa-button" onClick={() => navigate({ table: !state.table })} type="button">
          {state.table ? 'Show charts' : 'Show as tables'}
        </button>
        {mode !== 'share' && data.canExport ? (
          <a className="pa-button" data-testid="analytics-export" download href={`${apiRoute}/analytics/export?format=csv&${data.query}`}>
            Export CSV
          </a>
        ) : null}
      </div>
      {pending ? (
        <span className="pa-loading" role="status">
          Loading…
        </span>
      ) : null}
      <FilterChips
        filters={filters}
        onClear={() => navigate({ filters: undefined })}
        onRemove={(filter) => navigate({ filters: withoutFilter(filters, filter) })}
      />
      <p className="pa-context" data-testid="analytics-context">
        {RANGE_LABELS[stats.range.name]} ({rangeText(stats.range.from, stats.range.to)}, {stats.timeZone}) · {scope} ·{' '}
        {compare.previousAvailable ? `compared with ${rangeText(compare.previousRange.from, compare.previousRange.to)}` : 'no comparison'}
      </p>
      {compare.previousAvailable ? null : (
        <p className="pa-context" data-testid="analytics-no-compare">
          No comparison: {compare.previousUnavailable}.
        </p>
      )}
      {stats.imported ? (
        <p className="pa-context" data-testid="analytics-imported-note">
          Includes imported figures for {rangeText(stats.imported.from, stats.imported.to)} (days before this site’s own data).
        </p>
      ) : null}

      <div className="pa-body">
        {data.outage ? <OutageNotice outage={data.outage} /> : null}
        {empty && !data.outage ? (
          <div className="pa-state" data-testid="analytics-empty" role="status">
            <h2>No data for this range yet</h2>
            <p>
              Nothing was recorded for {scope} from {rangeText(stats.range.from, stats.range.to)}. Pick a longer range, or check that the
              site carries its tracking snippet — new events appear after the next aggregation run (every few minutes).
            </p>
          </div>
        ) : null}

        <ul aria-label="Key figures" className="pa-kpis">
          {KPIS.map((kpi) => {
            const base = RATIO_BASES[kpi.key]
            const change = describeChange(kpi, compare.totals[kpi.key], base && compare.totals[base])
            return (
              <li className="pa-card" data-kpi={kpi.key} data-testid="analytics-kpi" key={kpi.key}>
                <p className="pa-kpi-label">{kpi.label}</p>
                <p className="pa-kpi-value" data-value={stats.totals[kpi.key]}>
                  {formatValue(stats.totals[kpi.key], kpi.format)}
                </p>
                <span aria-label={change.label} className={`pa-change pa-change--${change.tone}`} data-tone={change.tone} title={change.label}>
                  {change.text}
                </span>
                <KpiNotes notes={cardNotes(stats.kpis, kpi.key)} />
              </li>
            )
          })}
          {stats.totals.revenue.length > 0 ? (
            // Currencies do not add up: one line per currency, no change (compare answers counters only).
            <li className="pa-card" data-kpi="revenue" data-testid="analytics-revenue" key="revenue">
              <p className="pa-kpi-label">Revenue</p>
              <p className="pa-kpi-value" data-value={JSON.stringify(stats.totals.revenue)}>
                {formatRevenue(stats.totals.revenue)}
              </p>
            </li>
          ) : null}
        </ul>

        <div className="pa-charts">
          <section aria-label="Visitors and pageviews over time" className="pa-panel pa-panel--wide">
            <h2>Visitors and pageviews</h2>
            {state.table ? (
              <SeriesTable caption="Visitors and pageviews per period, with the previous period" compare={compare} specs={CHART_SERIES.traffic} withPrevious />
            ) : (
              <SeriesChart compare={compare} kind="traffic" />
            )}
          </section>
          <section aria-label="Leads and conversion rate" className="pa-panel">
            <h2>Leads and conversion rate</h2>
            {state.table ? <SeriesTable caption="Leads and conversion rate per period" compare={compare} specs={CHART_SERIES.leads} /> : <SeriesChart compare={compare} kind="leads" />}
          </section>
          <section aria-label="Automation runs and export jobs" className="pa-panel">
            <h2>Automation runs and export jobs</h2>
            {state.table ? (
              <SeriesTable caption="Automation runs and export jobs per period" compare={compare} specs={CHART_SERIES.activity} />
            ) : (
              <SeriesChart compare={compare} kind="activity" />
            )}
          </section>
          <section aria-label="AI token usage" className="pa-panel pa-panel--wide">
            <h2>AI token usage</h2>
            {state.table ? <SeriesTable caption="AI tokens per period" compare={compare} specs={CHART_SERIES.aiTokens} /> : <SeriesChart compare={compare} kind="aiTokens" />}
          </section>
        </div>

        {data.search ? <SearchPanel search={data.search} table={Boolean(state.table)} /> : null}

        {data.funnels ? <FunnelChart funnels={data.funnels} onChoose={(funnel) => navigate({ funnel })} /> : null}

        <div className="pa-lists">
          {BREAKDOWN_LISTS.map((list) => (
            <RankedList
              key={list.breakdown}
              list={list}
              onFilter={(filter) => navigate({ filters: withFilter(filters, filter) })}
              rows={stats.breakdowns[list.breakdown] ?? []}
            />
          ))}
          <GoalsList onFilter={(filter) => navigate({ filters: withFilter(filters, filter) })} rows={stats.breakdowns.goals ?? []} />
        </div>

        {mode === 'admin' && stats.sites.length > 1 ? (
          <section aria-label="Site comparison" className="pa-panel" data-testid="analytics-comparison">
            <h2>Site comparison</h2>
            <div className="pa-table-scroll">
              <table className="pa-table">
                <thead>
                  <tr>
                    <th scope="col">Site</th>
                    <th className="pa-num" scope="col">
                      Visitors
                    </th>
                    <th scope="col">Trend</th>
                    <th className="pa-num" scope="col">
                      Visits
                    </th>
                    <th className="pa-num" scope="col">
                      Pageviews
                    </th>
                    <th className="pa-num" scope="col">
                      Bounce rate
                    </th>
                    <th className="pa-num" scope="col">
                      Visit duration
                    </th>
                    <th className="pa-num" scope="col">
                      Leads
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {stats.sites.map(({ site, totals }) => (
                    <tr data-site={String(site.id)} key={String(site.id)}>
                      <th scope="row">
                        <button className="pa-link" onClick={() => navigate({ site: String(site.id) })} type="button">
                          {site.name || site.domain}
                        </button>
                      </th>
                      <td className="pa-num">{formatValue(totals.visitors, 'count')}</td>
                      <td>
                        <Sparkline label={`Visitors of ${site.name || site.domain} over the range`} values={data.sparklines?.[String(site.id)] ?? []} />
                      </td>
                      <td className="pa-num">{formatValue(totals.visits, 'count')}</td>
                      <td className="pa-num">{formatValue(totals.pageviews, 'count')}</td>
                      <td className="pa-num">{formatValue(totals.bounceRate, 'percent')}</td>
                      <td className="pa-num">{formatValue(totals.avgVisitDuration, 'duration')}</td>
                      <td className="pa-num">{formatValue(totals.leads, 'count')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ) : null}
      </div>
    </div>
  )
}
