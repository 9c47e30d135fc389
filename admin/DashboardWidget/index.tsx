import type { ServerProps } from 'payload'

import { createLocalReq } from 'payload'
import { formatAdminURL } from 'payload/shared'
import React from 'react'

import type { StatsResult } from '../../src/stats/types.js'

import { Sparkline } from '../Dashboard/Charts.client.js'
import { DashboardStyles } from '../Dashboard/index.js'
import { currentOutage, statsService } from '../Dashboard/loadDashboard.js'
import { formatValue } from '../Dashboard/metrics.js'
import { OutageNotice } from '../Dashboard/OutageNotice.js'
import { ANALYTICS_VIEW_PATH } from '../../src/constants.js'
import { dashboardSearch } from '../Dashboard/state.js'

/** Sites listed in the widget; the Analytics view has the rest. */
const WIDGET_SITES = 5

/**
 * Admin home: visitors today and over the last 7 days across the user's sites, the busiest
 * few sites, and a way into the Analytics view. Quiet when the user has no sites.
 */
export async function DashboardWidget({ payload, user }: Partial<ServerProps>) {
  if (!payload || !user) return null
  const adminRoute = payload.config.routes.admin
  const href = (search = '') => `${formatAdminURL({ adminRoute, path: ANALYTICS_VIEW_PATH })}${search}`
  let today: StatsResult
  let week: StatsResult
  // Asked every time: during a Redis outage the counts still load but stop moving.
  const outage = await currentOutage(payload)
  try {
    const req = await createLocalReq({ user }, payload)
    const stats = statsService(payload)
    const sites = await stats.readableSites({ req })
    if (sites.length === 0) return null
    ;[today, week] = await Promise.all([stats.getStats({ range: 'today' }, { req }), stats.getStats({ interval: 'day', range: '7d' }, { req })])
  } catch (error) {
    payload.logger.warn(`analytics: the dashboard widget could not load: ${(error as Error).message}`)
    return (
      <section className="pa-panel pa-widget" data-testid="analytics-widget" role="alert">
        <DashboardStyles />
        <h2>Analytics</h2>
        {outage ? <OutageNotice outage={outage} /> : <p style={{ margin: 0 }}>Visitor counts are unavailable right now.</p>}
      </section>
    )
  }
  const todayBySite = new Map(today.sites.map((row) => [String(row.site.id), row.totals.visitors]))
  const busiest = [...week.sites].sort((a, b) => b.totals.visitors - a.totals.visitors).slice(0, WIDGET_SITES)
  return (
    <section aria-labelledby="pa-widget-title" className="pa-panel pa-widget" data-testid="analytics-widget">
      <DashboardStyles />
      <div className="pa-widget-head">
        <h2 id="pa-widget-title">Analytics</h2>
        <a href={href()}>Open Analytics →</a>
      </div>
      {outage ? <OutageNotice outage={outage} /> : null}
      <ul className="pa-kpis">
        <li className="pa-card" data-testid="analytics-widget-today">
          <p className="pa-kpi-label">Visitors today</p>
          <p className="pa-kpi-value">{formatValue(today.totals.visitors, 'count')}</p>
        </li>
        <li className="pa-card" data-testid="analytics-widget-week">
          <p className="pa-kpi-label">Visitors, last 7 days</p>
          <p className="pa-kpi-value">{formatValue(week.totals.visitors, 'count')}</p>
          <Sparkline label="Visitors per day over the last 7 days" values={week.series.map((point) => point.visitors)} />
        </li>
      </ul>
      {busiest.length > 1 ? (
        <table className="pa-table">
          <caption>Your busiest sites</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th className="pa-num" scope="col">
                Today
              </th>
              <th className="pa-num" scope="col">
                Last 7 days
              </th>
            </tr>
          </thead>
          <tbody>
            {busiest.map(({ site, totals }) => (
              <tr key={String(site.id)}>
                <th scope="row">
                  <a href={href(dashboardSearch({ range: '7d', site: String(site.id) }))}>{site.name || site.domain}</a>
                </th>
                <td className="pa-num">{formatValue(todayBySite.get(String(site.id)) ?? 0, 'count')}</td>
                <td className="pa-num">{formatValue(totals.visitors, 'count')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
