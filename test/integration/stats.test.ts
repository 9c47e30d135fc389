/**
 * The stats API end to end: generated events of known ground truth go through the buffer
 * and the real aggregation into daily stats; every figure the endpoints answer (totals,
 * series, breakdowns, compare, realtime, the portfolio exports) must equal what the events
 * say — computed here straight from the events (and, for visits, bounces and durations,
 * from the reference implementation of the daily rows).
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { parse } from 'csv-parse/sync'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { DailyStatsRow } from '../../src/core/dailyStats.js'
import type { EngagementMetric } from '../../src/core/dimensions.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { BreakdownRow, CompareResult, RealtimeResult, StatsResult, StatsTotals } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { KpiMetric } from '../../src/core/kpis.js'

import { newShareToken } from '../../collections/AnalyticsSettings.js'
import { referenceDailyStats } from '../../src/core/dailyStatsReference.js'
import { ENGAGEMENT_METRICS } from '../../src/core/dimensions.js'
import { daysInMonth, KPI_METRICS, linearTrend, movingAverage, projectMonth } from '../../src/core/kpis.js'
import { breakdownRow } from '../../src/core/statsMath.js'
import { BREAKDOWN_DIMENSIONS } from '../../src/stats/types.js'
import { runCli } from '../helpers/cli.js'
import { generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

const cli = (args: string[]) => runCli(args, 90_000)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const keyPrefix = `st${randomBytes(4).toString('hex')}:`
let payload: Payload
let sites: Record<string, DemoSite>
let shop: DemoSite
let blog: DemoSite
let globex: DemoSite
let adminToken: string
let editorToken: string
/** Every event handed to the pipeline. */
const all: AnalyticsEvent[] = []
const SHOP_CONVERSIONS = ['signup', 'lead.created', 'ai.usage']
const DEFAULT_CONVERSIONS = ['lead.created', 'form.submit']

const today = () => new Date().toISOString().slice(0, 10)
const conversionTypes = (siteId: number | string) => (String(siteId) === String(shop.id) ? SHOP_CONVERSIONS : DEFAULT_CONVERSIONS)

const get = <T>(path: string, token?: string) => rest<T & { error?: string }>(payload, 'GET', path, { token })
const raw = (path: string, token?: string) =>
  rawRequest(payload, 'GET', path, { headers: token ? { Authorization: `JWT ${token}` } : {} })

// ---------------------------------------------------------------------------------------
// Ground truth

const dayOf = (event: AnalyticsEvent) => event.timestamp.slice(0, 10)
const inRange = (event: AnalyticsEvent, ids: Array<number | string>, from: string, to: string) =>
  ids.map(String).includes(String(event.siteId)) && dayOf(event) >= from && dayOf(event) <= to

/** Totals straight from the events; visits, bounces and durations from the reference rows. */
function expectedTotals(ids: Array<number | string>, from: string, to: string): StatsTotals {
  // Engagement reports are never events, pageviews or visitors.
  const events = all.filter((event) => inRange(event, ids, from, to) && event.type !== 'engagement')
  const visitorsPerSiteDay = new Map<string, Set<string>>()
  for (const event of events) {
    if (!event.visitorHash) continue
    const key = `${String(event.siteId)}|${dayOf(event)}`
    visitorsPerSiteDay.set(key, (visitorsPerSiteDay.get(key) ?? new Set()).add(event.visitorHash))
  }
  const visitors = [...visitorsPerSiteDay.values()].reduce((n, set) => n + set.size, 0)
  const count = (type: string) => events.filter((event) => event.type === type).length
  const reference = referenceRows().filter(
    (row) => row.dimension === 'total' && ids.map(String).includes(row.siteId) && row.day >= from && row.day <= to,
  )
  const sum = (metric: 'bounces' | 'totalDuration' | 'visits' | EngagementMetric) => reference.reduce((n, row) => n + row[metric], 0)
  const visits = sum('visits')
  const pageviews = count('pageview')
  const conversions = events.filter((event) => conversionTypes(event.siteId).includes(event.type)).length
  return {
    aiTokens: events.filter((event) => event.type === 'ai.usage').reduce((n, event) => n + (event.value ?? 0), 0),
    automationRuns: count('automation.run'),
    avgVisitDuration: visits ? sum('totalDuration') / visits : 0,
    bounceRate: visits ? sum('bounces') / visits : 0,
    conversionRate: visitors ? conversions / visitors : 0,
    conversions,
    exports: count('export.completed'),
    forms: count('form.submit'),
    leads: count('lead.created'),
    pageviews,
    scrollDepth: sum('scrollVisits') ? sum('scrollDepthSum') / sum('scrollVisits') : 0,
    timeOnPage: sum('engagedVisits') ? sum('engagedMs') / sum('engagedVisits') / 1000 : 0,
    viewsPerVisit: visits ? pageviews / visits : 0,
    visitors,
    visits,
  }
}

let referenceCache: { length: number; rows: DailyStatsRow[] } | null = null
function referenceRows(): DailyStatsRow[] {
  if (referenceCache?.length !== all.length) referenceCache = { length: all.length, rows: referenceDailyStats(all) }
  return referenceCache.rows
}

/** A breakdown's rows from the reference rows: summed over the days, ordered by visitors (custom events by count first). */
function expectedBreakdown(dimension: DailyStatsRow['dimension'], ids: Array<number | string>, from: string, to: string, limit: number): BreakdownRow[] {
  const fields = ['events', 'pageviews', 'visitors', 'visits', ...ENGAGEMENT_METRICS] as const
  const byKey = new Map<string, Parameters<typeof breakdownRow>[1]>()
  for (const row of referenceRows()) {
    if (row.dimension !== dimension || !ids.map(String).includes(row.siteId) || row.day < from || row.day > to) continue
    const entry = byKey.get(row.key) ?? { key: row.key, ...Object.fromEntries(fields.map((field) => [field, 0])) } as Parameters<typeof breakdownRow>[1]
    for (const field of fields) entry[field] += row[field]
    byKey.set(row.key, entry)
  }
  return [...byKey.values()]
    .sort(
      (a, b) =>
        (dimension === 'event' ? b.events - a.events : 0) || b.visitors - a.visitors || b.visits - a.visits || b.pageviews - a.pageviews || b.events - a.events || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .slice(0, limit)
    .map((row) => breakdownRow(dimension, row))
    .map((row) => ({
      // Sums of fractional seconds over days, added in another order: equal to the last bits.
      ...row,
      ...(typeof row.timeOnPage === 'number' ? { timeOnPage: expect.closeTo(row.timeOnPage, 9) as number } : {}),
      ...(typeof row.scrollDepth === 'number' ? { scrollDepth: expect.closeTo(row.scrollDepth, 9) as number } : {}),
    }))
}

function expectTotalsToEqual(actual: StatsTotals, expected: StatsTotals) {
  for (const [name, value] of Object.entries(expected)) {
    expect(actual[name as keyof StatsTotals], name).toBeCloseTo(value, 9)
  }
}

const days = (from: string, to: string) => {
  const out: string[] = []
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000) out.push(new Date(ms).toISOString().slice(0, 10))
  return out
}
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  sites = await demoSites(payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  globex = sites['globex.test']!
  await payload.create({ collection: 'analytics-settings', data: { conversionEvents: SHOP_CONVERSIONS, scope: 'site', site: shop.id } })
  adminToken = await login(payload, 'admin@example.com', 'admin')
  editorToken = await login(payload, 'editor@acme.test', 'editor')

  // Shop and Globex: the last 10 days up to today. Blog: days long enough ago that none of
  // its generated events is in the realtime window, which its own test fills.
  const events = [
    ...generateEvents({ days: recentDays(10), seed: 51, sessionsPerDay: [12, 24], sites: [shop, globex] }),
    ...generateEvents({ days: recentDays(6, 3), seed: 52, sessionsPerDay: [12, 24], sites: [blog] }),
  ]
  all.push(...events)
  await payload.analytics!.buffer.append(events)
  await payload.analytics!.aggregateNow()
})

let configDir: string | undefined
afterAll(async () => {
  await payload?.destroy()
  if (configDir) rmSync(configDir, { force: true, recursive: true })
})

describe('GET /api/analytics/stats', () => {
  test('totals, the zero-filled daily series and the per-site rows equal the ground truth', async () => {
    const from = addDays(today(), -13)
    const to = today()
    const ids = [shop.id, globex.id]
    const { body, status } = await get<StatsResult>(`/analytics/stats?siteId=${shop.id}&siteId=${globex.id}&from=${from}&to=${to}`, adminToken)
    expect(status).toBe(200)
    expect(body.timeZone).toBe('UTC')
    expect(body.range).toEqual({ from, name: 'custom', to })
    expectTotalsToEqual(body.totals, expectedTotals(ids, from, to))
    expect(body.totals.conversions).toBeGreaterThan(0)
    expect(body.sites.map((row) => row.site.domain).sort()).toEqual(['globex.test', 'shop.acme.test'])
    for (const row of body.sites) expectTotalsToEqual(row.totals, expectedTotals([row.site.id], from, to))
    expect(body.series.map((point) => point.date)).toEqual(days(from, to))
    for (const point of body.series) {
      const { date, ...totals } = point
      expectTotalsToEqual(totals, expectedTotals(ids, date, date))
    }
    // The first days have no events: zero-filled.
    expect(body.series[0]).toMatchObject({ pageviews: 0, visitors: 0, visits: 0, bounceRate: 0 })
  })

  test('week and month intervals sum the days of each bucket', async () => {
    const from = addDays(today(), -40)
    for (const interval of ['week', 'month'] as const) {
      const { body } = await get<StatsResult>(`/analytics/stats?siteId=${shop.id}&from=${from}&to=${today()}&interval=${interval}`, adminToken)
      expect(body.interval).toBe(interval)
      const starts = body.series.map((point) => point.date)
      expect(starts[0]).toBe(from)
      starts.forEach((start, i) => {
        const end = i + 1 < starts.length ? addDays(starts[i + 1]!, -1) : today()
        const { date: _date, ...totals } = body.series[i]!
        expectTotalsToEqual(totals, expectedTotals([shop.id], start, end))
      })
    }
  })

  test('a series per site (the sparklines) in one call equals each site asked alone', async () => {
    const stats = payload.analytics!.stats
    const from = addDays(today(), -40)
    const siteIds = [shop.id, blog.id, globex.id]
    for (const interval of ['day', 'week', 'month'] as const) {
      const together = await stats.getStats({ from, siteIds, siteSeriesInterval: interval, to: today() }, { overrideAccess: true })
      expect(together.sites).toHaveLength(siteIds.length)
      for (const row of together.sites) {
        const alone = await stats.getStats({ from, interval, siteIds: [row.site.id], to: today() }, { overrideAccess: true })
        expect(row.series, `${row.site.domain}, ${interval}`).toEqual(alone.series)
        expect(row.series!.some((point) => point.visitors > 0)).toBe(true)
      }
    }
    // Without the option, the rows stay as they were.
    const plain = await stats.getStats({ from, siteIds, to: today() }, { overrideAccess: true })
    expect(plain.sites.every((row) => row.series === undefined)).toBe(true)
    await expect(stats.getStats({ siteIds, siteSeriesInterval: 'year' as never }, { overrideAccess: true })).rejects.toMatchObject({ status: 400 })
  })

  test('breakdowns are ordered by visitors (custom events by count) and cut at the limit', async () => {
    const from = addDays(today(), -9)
    const to = today()
    const breakdowns = BREAKDOWN_DIMENSIONS
    const limit = 4
    const { body, status } = await get<StatsResult>(
      `/analytics/stats?siteId=${shop.id},${globex.id}&from=${from}&to=${to}&limit=${limit}&breakdown=${Object.keys(breakdowns).join(',')}`,
      adminToken,
    )
    expect(status).toBe(200)
    for (const [name, dimension] of Object.entries(breakdowns)) {
      const expected = expectedBreakdown(dimension, [shop.id, globex.id], from, to, limit)
      expect(expected.length, name).toBeGreaterThan(0)
      expect(body.breakdowns[name as keyof typeof breakdowns], name).toEqual(expected)
    }
    // Exit pages have their visitors (every generated session has one).
    expect(body.breakdowns.exitPages!.every((row) => row.visitors > 0 && row.visitors <= row.visits)).toBe(true)
    // Custom events are ranked by how often they were recorded.
    const counts = body.breakdowns.events!.map((row) => row.events ?? 0)
    expect(counts).toEqual([...counts].sort((x, y) => y - x))
    // Without a limit: 10 rows at most; all 8 generated paths here.
    const pages = await get<StatsResult>(`/analytics/stats?siteId=${shop.id}&from=${from}&to=${to}&breakdown=pages`, adminToken)
    expect(pages.body.breakdowns.pages).toEqual(expectedBreakdown('page', [shop.id], from, to, 10))
  })

  test('named ranges resolve against today (UTC)', async () => {
    const { body } = await get<StatsResult>(`/analytics/stats?siteId=${shop.id}&range=7d`, adminToken)
    expect(body.range).toEqual({ from: addDays(today(), -6), name: '7d', to: today() })
    expectTotalsToEqual(body.totals, expectedTotals([shop.id], addDays(today(), -6), today()))
    const todayOnly = await get<StatsResult>(`/analytics/stats?siteId=${globex.id}&range=today`, adminToken)
    expect(todayOnly.body.series).toHaveLength(1)
    expectTotalsToEqual(todayOnly.body.totals, expectedTotals([globex.id], today(), today()))
  })

  test('kpis=true adds growth, trend, moving average and month projection of the true daily figures', async () => {
    const from = addDays(today(), -9)
    const to = today()
    const ids = [shop.id, globex.id]
    const { body, status } = await get<StatsResult>(`/analytics/stats?siteId=${shop.id},${globex.id}&from=${from}&to=${to}&kpis=true`, adminToken)
    expect(status).toBe(200)
    const kpis = body.kpis!
    expect(kpis.dates).toEqual(days(from, to))
    expect(kpis.previousRange).toEqual({ from: addDays(from, -10), to: addDays(from, -1) })
    const daily = (metric: KpiMetric, dates: string[]) => dates.map((date) => expectedTotals(ids, date, date)[metric])
    for (const metric of KPI_METRICS) {
      const values = daily(metric, kpis.dates)
      const { growth, movingAverage: average, projection, trend } = kpis.metrics[metric]
      expect(growth.current, metric).toBe(expectedTotals(ids, from, to)[metric])
      expect(growth.previous, metric).toBe(expectedTotals(ids, addDays(from, -10), addDays(from, -1))[metric])
      expect(trend, metric).toEqual(linearTrend(values))
      expect(average, metric).toEqual(movingAverage(values))
      // The month's complete days (the 1st to yesterday), when two are over.
      const monthStart = `${today().slice(0, 8)}01`
      const complete = monthStart < today() ? days(monthStart, addDays(today(), -1)) : []
      expect(projection, metric).toEqual(projectMonth(today().slice(0, 7), daily(metric, complete), daysInMonth(today().slice(0, 7))))
    }
    // The events cover the last 10 days: visitors grew from nothing and the series has a trend.
    expect(kpis.metrics.visitors.growth.previous).toBe(0)
    expect(kpis.metrics.visitors.trend.r2).not.toBeNull()
    // Without the parameter, no KPIs.
    const plain = await get<StatsResult>(`/analytics/stats?siteId=${shop.id}&from=${from}&to=${to}`, adminToken)
    expect(plain.body.kpis).toBeUndefined()
  })

  test('bad parameters are a 400 with a message, never data or a 500', async () => {
    const cases: Array<[string, RegExp]> = [
      [`from=${today()}&to=${addDays(today(), -3)}`, /is after to/],
      ['from=2026-13-01&to=2026-13-02', /not a day/],
      [`from=${addDays(today(), -400)}&to=${today()}`, /older than the stats retention of 365 days/],
      ['breakdown=referrers', /breakdown: one of/],
      ['breakdown=pages&limit=100000', /limit: at most 1000/],
      ['limit=0&breakdown=pages', /limit: at least 1/],
      ['interval=minute', /interval: one of hour, day, week, month/],
      ['interval=hour&range=30d', /interval=hour: a range of up to 7 days/],
      ['siteId=%27%3B--', /siteId: not a site id/],
      ['groupBy=day', /unknown parameter groupBy/],
    ]
    for (const [query, message] of cases) {
      const { body, status } = await get(`/analytics/stats?${query}`, adminToken)
      expect(status, query).toBe(400)
      expect(body.error, query).toMatch(message)
    }
  })
})

describe('GET /api/analytics/compare', () => {
  test('the range against the previous one of equal length: values, changes, aligned series', async () => {
    const to = today()
    const from = addDays(to, -2)
    const { body, status } = await get<CompareResult>(`/analytics/compare?siteId=${shop.id}&from=${from}&to=${to}`, adminToken)
    expect(status).toBe(200)
    expect(body.previousRange).toEqual({ from: addDays(from, -3), name: 'custom', to: addDays(from, -1) })
    const current = expectedTotals([shop.id], from, to)
    const previous = expectedTotals([shop.id], addDays(from, -3), addDays(from, -1))
    for (const name of Object.keys(current) as Array<keyof StatsTotals>) {
      const change = body.totals[name]
      expect(change.current, name).toBeCloseTo(current[name], 9)
      expect(change.previous, name).toBeCloseTo(previous[name], 9)
      expect(change.change, name).toBeCloseTo(current[name] - previous[name], 9)
      if (previous[name] === 0) expect(change.relativeChange, name).toBeNull()
      else expect(change.relativeChange!, name).toBeCloseTo((current[name] - previous[name]) / previous[name], 9)
    }
    expect(body.series.map((pair) => [pair.current.date, pair.previous!.date])).toEqual(
      days(from, to).map((day) => [day, addDays(day, -3)]),
    )
    for (const pair of body.series) expect(pair.previous!.pageviews).toBe(expectedTotals([shop.id], pair.previous!.date, pair.previous!.date).pageviews)
  })

  test('an explicit comparison range, also before any event (zero-filled, relative change null)', async () => {
    const from = addDays(today(), -4)
    const compareFrom = addDays(today(), -60)
    const compareTo = addDays(today(), -56)
    const { body } = await get<CompareResult>(
      `/analytics/compare?siteId=${globex.id}&from=${from}&to=${today()}&compareFrom=${compareFrom}&compareTo=${compareTo}`,
      adminToken,
    )
    expect(body.previousRange).toEqual({ from: compareFrom, name: 'custom', to: compareTo })
    expect(body.totals.pageviews).toMatchObject({ previous: 0, relativeChange: null })
    expect(body.totals.pageviews.current).toBe(expectedTotals([globex.id], from, today()).pageviews)
    expect(body.series.every((pair) => pair.previous!.pageviews === 0)).toBe(true)
    const bad = await get(`/analytics/compare?siteId=${globex.id}&compareFrom=${compareTo}&compareTo=${compareFrom}`, adminToken)
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/compareFrom .* is after compareTo/)
  })
})

describe('GET /api/analytics/realtime', () => {
  test('the last 30 minutes from the buffer and the stored events, each event counted once', async () => {
    const now = Date.now()
    const event = (minutesAgo: number, visitor: string, path: string, type = 'pageview'): AnalyticsEvent => ({
      ...all.find((e) => String(e.siteId) === String(blog.id) && e.type === 'pageview')!,
      eventId: randomUUID(),
      path,
      sessionId: `rt-${visitor}`,
      timestamp: new Date(now - minutesAgo * 60_000).toISOString(),
      type,
      visitorHash: `rt-${visitor}`,
    })
    const stored = [event(2, 'a', '/'), event(5, 'b', '/'), event(12, 'c', '/pricing'), event(25, 'a', '/docs'), event(45, 'd', '/old')]
    const buffered = [event(1, 'e', '/'), event(3, 'a', '/pricing'), event(8, 'f', '/docs', 'signup'), event(50, 'g', '/older')]
    await payload.analytics!.buffer.append(stored)
    await payload.analytics!.aggregateNow()
    // Not aggregated yet; two stored events are in the buffer again (a run in flight).
    await payload.analytics!.buffer.append([...buffered, stored[0]!, stored[2]!])
    all.push(...stored, ...buffered)

    const { body, status } = await get<RealtimeResult>(`/analytics/realtime?siteId=${blog.id}`, editorToken)
    expect(status).toBe(200)
    expect(body.windowMinutes).toBe(30)
    // In the window: a, b, c, a (stored); e, a, f (buffered) — 5 visitors, 6 pageviews.
    expect(body.visitors).toBe(5)
    expect(body.pageviews).toBe(6)
    expect(body.topPages).toEqual([
      { key: '/', pageviews: 3, visitors: 3 },
      { key: '/pricing', pageviews: 2, visitors: 2 },
      { key: '/docs', pageviews: 1, visitors: 1 },
    ])
    const limited = await get<RealtimeResult>(`/analytics/realtime?siteId=${blog.id}&limit=1`, editorToken)
    expect(limited.body.topPages).toHaveLength(1)
    await payload.analytics!.aggregateNow()
  })
})

describe('the cache', () => {
  test('answers from the cache until the aggregation rewrites the site, then at once with the new figures', async () => {
    const query = `/analytics/stats?siteId=${globex.id}&range=today`
    const before = await get<StatsResult>(query, adminToken)
    // Change the stored total behind the cache's back: a cached answer does not see it.
    await payload.db.drizzle.execute(
      sql`UPDATE analytics_daily_stats SET pageviews = pageviews + 1000 WHERE site_id = ${globex.id} AND dimension = 'total' AND date = ${`${today()}T00:00:00.000Z`}::timestamptz`,
    )
    expect((await get<StatsResult>(query, adminToken)).body).toEqual(before.body)
    expect((await get<StatsResult>(query, editorToken)).status).toBe(404)

    const fresh = { ...all.find((e) => String(e.siteId) === String(globex.id) && e.type === 'pageview')! }
    Object.assign(fresh, { eventId: randomUUID(), timestamp: new Date().toISOString(), visitorHash: `new-${randomUUID()}` })
    await payload.analytics!.buffer.append([fresh])
    all.push(fresh)
    await payload.analytics!.aggregateNow()
    const after = await get<StatsResult>(query, adminToken)
    expect(after.body.totals.pageviews).toBe(before.body.totals.pageviews + 1)
    expectTotalsToEqual(after.body.totals, expectedTotals([globex.id], today(), today()))
  })
})

describe('access', () => {
  const endpoints = (siteId: number | string) => [
    `/analytics/stats?siteId=${siteId}`,
    `/analytics/compare?siteId=${siteId}`,
    `/analytics/realtime?siteId=${siteId}`,
    `/analytics/export?siteId=${siteId}&range=month`,
    `/analytics/export?siteId=${siteId}&range=year&format=json`,
  ]

  test('without a user: 401 on every endpoint', async () => {
    for (const path of endpoints(shop.id)) {
      const { body, status } = await raw(path)
      expect(status, path).toBe(401)
      expect(body.error, path).toMatch(/Log in/)
    }
  })

  test("a tenant's user gets 404 for another tenant's site on every endpoint, also mixed with their own", async () => {
    for (const path of [...endpoints(globex.id), ...endpoints(`${shop.id},${globex.id}`)]) {
      const { body, status, text } = await raw(path, editorToken)
      expect(status, path).toBe(404)
      expect(body, path).toEqual({ error: 'Site not found.' })
      expect(text, path).not.toContain('globex')
    }
    // Unknown sites look the same as other tenants' sites.
    expect((await raw('/analytics/stats?siteId=999999', editorToken)).status).toBe(404)
  })

  test("siteId omitted: exactly the user's sites", async () => {
    const { body } = await get<StatsResult>('/analytics/stats?range=30d', editorToken)
    expect(body.sites.map((row) => row.site.domain).sort()).toEqual(['blog.acme.test', 'shop.acme.test'])
    expectTotalsToEqual(body.totals, expectedTotals([shop.id, blog.id], addDays(today(), -29), today()))
    const admin = await get<StatsResult>('/analytics/stats?range=30d', adminToken)
    expect(admin.body.sites).toHaveLength(3)
    const exported = await raw('/analytics/export?range=year', editorToken)
    const rows = parse(exported.text, { columns: true }) as Array<Record<string, string>>
    expect(rows.map((row) => row.site)).toEqual(['blog.acme.test', 'shop.acme.test'])
    expect(await payload.analytics!.stats.readableSites({ req: { context: {}, payload, user: null } as never }).catch((error: Error) => error.message)).toMatch(/Log in/)
  })
})

describe('share links', () => {
  test('a share token reads its one site, read-only, until it is rotated or sharing is turned off', async () => {
    const settings = await payload.create({ collection: 'analytics-settings', data: { publicDashboard: true, scope: 'site', site: blog.id } })
    const token = settings.shareToken as string
    expect(token).toMatch(/^[\w-]{32}$/)

    const { body, status } = await get<StatsResult>(`/analytics/share/${token}/stats?range=30d&breakdown=pages`)
    expect(status).toBe(200)
    expect(body.sites.map((row) => row.site.id)).toEqual([blog.id])
    expectTotalsToEqual(body.totals, expectedTotals([blog.id], addDays(today(), -29), today()))
    expect((await get<CompareResult>(`/analytics/share/${token}/compare?range=7d`)).status).toBe(200)
    expect((await get(`/analytics/share/${token}/stats?siteId=${blog.id}`)).status).toBe(200)
    for (const other of [shop.id, globex.id]) {
      expect((await get(`/analytics/share/${token}/stats?siteId=${other}`)).status).toBe(404)
      expect((await get(`/analytics/share/${token}/compare?siteId=${other}`)).status).toBe(404)
    }
    // Only stats and compare are shared.
    expect((await get(`/analytics/share/${token}/export?range=month`)).status).toBe(404)
    expect((await get(`/analytics/share/not-a-token/stats`)).status).toBe(404)

    const rotated = newShareToken()
    await payload.update({ collection: 'analytics-settings', data: { shareToken: rotated }, id: settings.id })
    expect((await get(`/analytics/share/${token}/stats`)).status).toBe(404)
    expect((await get(`/analytics/share/${token}/compare`)).status).toBe(404)
    expect((await get(`/analytics/share/${rotated}/stats`)).status).toBe(200)

    // Rotation through the API, by a user who may update the site's settings.
    const viaApi = await rest<{ error?: string; shareToken?: string }>(payload, 'POST', `/analytics/share/rotate?siteId=${blog.id}`, { token: editorToken })
    expect(viaApi.status).toBe(200)
    expect(viaApi.body.shareToken).toMatch(/^[\w-]{32}$/)
    expect((await get(`/analytics/share/${rotated}/stats`)).status).toBe(404)
    expect((await get(`/analytics/share/${viaApi.body.shareToken!}/stats`)).status).toBe(200)
    expect((await rest(payload, 'POST', `/analytics/share/rotate?siteId=${globex.id}`, { token: editorToken })).status).toBe(404)
    expect((await rest(payload, 'POST', `/analytics/share/rotate?siteId=${blog.id}`)).status).toBe(401)
    expect((await rest(payload, 'POST', `/analytics/share/rotate?siteId=${shop.id}`, { token: editorToken })).body).toEqual({
      error: 'Public sharing is off for this site: turn on its public dashboard first.',
    })

    await payload.update({ collection: 'analytics-settings', data: { publicDashboard: false }, id: settings.id })
    expect((await get(`/analytics/share/${viaApi.body.shareToken!}/stats`)).status).toBe(404)
  })
})

describe('GET /api/analytics/export', () => {
  const expectedFile = (range: 'month' | 'year', ids: DemoSite[]) => {
    const to = today()
    const from = range === 'month' ? `${to.slice(0, 7)}-01` : `${to.slice(0, 4)}-01-01`
    return ids
      .sort((a, b) => (a.domain < b.domain ? -1 : 1))
      .map((site) => {
        const t = expectedTotals([site.id], from, to)
        return {
          bounce_rate: String(Math.round(t.bounceRate * 100)),
          imported_days: '',
          pageviews: String(t.pageviews),
          period: `${from}..${to}`,
          site: site.domain,
          site_id: String(site.id),
          time_zone: 'UTC',
          views_per_visit: String(Math.round(t.viewsPerVisit * 100) / 100),
          time_on_page: String(Math.round(t.timeOnPage)),
          scroll_depth: String(Math.round(t.scrollDepth)),
          visit_duration: String(Math.round(t.avgVisitDuration)),
          visitors: String(t.visitors),
          visits: String(t.visits),
        }
      })
  }

  test('month-to-date and year-to-date portfolio files: one row per site, exact figures', async () => {
    for (const range of ['month', 'year'] as const) {
      const response = await raw(`/analytics/export?range=${range}`, adminToken)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${range === 'month' ? 'month' : 'year'}-to-date.csv"`)
      expect(response.text.split('\r\n')[0]).toBe('site,period,visitors,visits,pageviews,bounce_rate,visit_duration,views_per_visit,time_on_page,scroll_depth,site_id,time_zone,imported_days')
      const rows = parse(response.text, { columns: true }) as Array<Record<string, string>>
      expect(rows).toEqual(expectedFile(range, [shop, blog, globex]))
      expect(rows.some((row) => Number(row.visitors) > 0)).toBe(true)
    }
    const single = await raw(`/analytics/export?range=month&siteId=${shop.id}&format=json`, adminToken)
    expect(single.headers.get('content-disposition')).toBe('attachment; filename="month-to-date.json"')
    const expected = expectedFile('month', [shop])[0]!
    expect(JSON.parse(single.text)).toEqual([
      Object.fromEntries(Object.entries(expected).map(([key, value]) => [key, ['imported_days', 'period', 'site', 'site_id', 'time_zone'].includes(key) ? value : Number(value)])),
    ])
  })

  test('a CSV library reads back every field, including commas, quotes, newlines and formula-like text', async () => {
    const domains = ['=HYPERLINK("http://evil.test","x"),more', '+cmd|calc', '-2+3', '@SUM(1)', 'line\nbreak "quoted", ok']
    const created: Array<number | string> = []
    for (const [i, domain] of domains.entries()) {
      // Stored past the sites' hooks, which now refuse such domains: rows from before that rule, or a host's own writes.
      const site = await payload.db.create({ collection: 'sites', data: { domain, name: `Odd ${i}`, tenant: globex.tenant } })
      created.push(site.id)
    }
    const response = await raw(`/analytics/export?range=month&siteId=${created.join(',')}`, adminToken)
    expect(response.status).toBe(200)
    const rows = parse(response.text, { columns: true }) as Array<Record<string, string>>
    const guarded = (domain: string) => (/^[=+\-@]/.test(domain) ? `'${domain}` : domain)
    expect(rows.map((row) => row.site).sort()).toEqual(domains.map(guarded).sort())
    expect(rows.every((row) => row.visitors === '0' && row.bounce_rate === '0')).toBe(true)
    for (const id of created) await payload.delete({ collection: 'sites', id })
  })

  test('the CLI writes the same month-to-date and year-to-date files, with progress on stderr', { timeout: 180_000 }, async () => {
    const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
    configDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-export-'))
    writeFileSync(path.join(configDir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(
      path.join(configDir, 'payload.config.ts'),
      `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
        `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: { redisUrl: undefined } })\n`,
    )
    const config = path.join(configDir, 'payload.config.ts')
    const out = path.join(configDir, 'output')
    const result = await cli(['export', '--range', 'month', '--range', 'year', '--out', out, '--config', config])
    expect(result.code, result.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['month-to-date.csv', 'year-to-date.csv'])
    for (const range of ['month', 'year'] as const) {
      const text = readFileSync(path.join(out, `${range}-to-date.csv`), 'utf8')
      expect(parse(text, { columns: true })).toEqual(expectedFile(range, [shop, blog, globex]))
      expect(result.stderr).toContain(`export: ${range}-to-date.csv: 0/3 sites`)
      expect(result.stderr).toContain(`export: ${range}-to-date.csv: 3/3 sites`)
    }
    // And exactly the bytes the endpoint serves.
    expect(readFileSync(path.join(out, 'month-to-date.csv'), 'utf8')).toBe((await raw('/analytics/export?range=month', adminToken)).text)

    const json = await cli(['export', '--range', 'year', '--site', String(shop.id), '--format', 'json', '--out', out, '--config', config])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(readFileSync(path.join(out, 'year-to-date.json'), 'utf8'))).toHaveLength(1)

    const unknownSite = await cli(['export', '--site', '987654', '--out', path.join(out, 'x'), '--config', config])
    expect(unknownSite.code).toBe(2)
    expect(unknownSite.stderr).toContain('unknown site "987654"')
    expect(existsSync(path.join(out, 'x', 'month-to-date.csv.partial'))).toBe(false)
    const badRange = await cli(['export', '--range', 'week', '--config', config])
    expect(badRange.code).toBe(2)
    expect(badRange.stderr).toContain('--range must be month or year, got "week"')
  })

  test('bad export parameters are a 400', async () => {
    for (const query of ['range=decade', 'format=xlsx', `from=${today()}`, `from=${addDays(today(), -500)}&to=${today()}`]) {
      const { body, status } = await raw(`/analytics/export?${query}`, adminToken)
      expect(status, query).toBe(400)
      expect(typeof body.error).toBe('string')
    }
  })
})
