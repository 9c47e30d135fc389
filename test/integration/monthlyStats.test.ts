/**
 * The monthly rollup of the daily stats on real Postgres: generated events (across month
 * ends, a leap day and a year end) go through the store's insert and recompute; every
 * monthly row must be the sum of its daily rows — after late events, repeated and
 * concurrent recomputes, retention and erasure — and breakdowns read through the rollup
 * must equal the daily-only query for ranges with and without whole months.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'

import type { StatsDimension } from '../../src/core/dimensions.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { SanitizedAnalyticsConfig } from '../../src/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { applyRetention } from '../../jobs/retention.js'
import { siteDaysOf } from '../../src/core/dailyStats.js'
import { STATS_DIMENSIONS } from '../../src/core/dimensions.js'
import { eraseSiteAnalytics } from '../../src/erasure.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { recomputeMonthlyStats, recomputeMonthQuery, rollupTables, rollupWorkMem } from '../../src/store/recomputeMonthlyStats.js'
import { createStatsStore } from '../../src/store/statsQueries.js'
import { generateEvents } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'

type Db = {
  execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }>
  transaction: <T>(run: (tx: Pick<Db, 'execute'>) => Promise<T>) => Promise<T>
}
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

const DAY = 86_400_000
const daysBetween = (from: string, to: string) => {
  const days: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) days.push(new Date(t).toISOString().slice(0, 10))
  return days
}
// A leap February with whole months on both sides, and a year end.
const DAYS = [...daysBetween('2024-01-20', '2024-04-08'), ...daysBetween('2025-12-22', '2026-01-06')]
const BREAKDOWNS = STATS_DIMENSIONS.filter((dimension): dimension is Exclude<StatsDimension, 'total'> => dimension !== 'total')

let payload: Payload
let cfg: SanitizedAnalyticsConfig
let sites: DemoSite[]

async function store(events: AnalyticsEvent[]) {
  await insertEvents(payload, cfg, events)
  return recomputeDailyStats(payload, cfg, siteDaysOf(events))
}

/** (site, month, dimension, key) rows where the monthly row is not the sum of the daily rows (either side missing included). */
async function rollupMismatches(): Promise<Array<Record<string, unknown>>> {
  const metrics = ['pageviews', 'visitors', 'visits', 'bounces', 'total_duration', 'events', 'leads', 'forms', 'exports', 'automation_runs', 'ai_tokens']
  const sums = sql.join(
    metrics.map((metric) => sql`sum(${sql.identifier(metric)}) AS ${sql.identifier(metric)}`),
    sql`, `,
  )
  const cols = sql.join(
    metrics.map((metric) => sql.identifier(metric)),
    sql`, `,
  )
  const { rows } = await dbOf(payload).execute(sql`
    WITH d AS (
      SELECT site_id, date_trunc('month', date, 'UTC') AS month, dimension::text AS dimension, key, ${sums}
      FROM analytics_daily_stats GROUP BY 1, 2, 3, 4
    ), m AS (
      SELECT site_id, month, dimension::text AS dimension, key, ${cols} FROM analytics_monthly_stats
    )
    (SELECT 'daily' AS side, * FROM d EXCEPT SELECT 'daily', * FROM m)
    UNION ALL
    (SELECT 'monthly', * FROM m EXCEPT SELECT 'monthly', * FROM d)`)
  return rows
}

const monthlyRowCount = async (where = sql`TRUE`) =>
  Number((await dbOf(payload).execute(sql`SELECT count(*)::int AS n FROM analytics_monthly_stats WHERE ${where}`)).rows[0]!.n)

beforeAll(async () => {
  payload = await bootPayload()
  cfg = payload.analytics!.config
  sites = Object.values(await demoSites(payload))
  await store(generateEvents({ days: DAYS, seed: 29, sessionsPerDay: [3, 7], sites }))
})

afterAll(async () => {
  await payload?.destroy()
})

describe('monthly rollup', () => {
  test('every monthly row is the sum of its month’s daily rows', async () => {
    // 3 sites × (Jan–Apr 2024, Dec 2025, Jan 2026), each with totals and breakdowns.
    expect(await monthlyRowCount(sql`dimension = 'total'`)).toBe(sites.length * 6)
    expect(await monthlyRowCount(sql`dimension = 'page'`)).toBeGreaterThan(sites.length * 6)
    expect(await rollupMismatches()).toEqual([])
  })

  test('breakdowns through the rollup equal the daily-only query, with and without whole months', async () => {
    const rollup = createStatsStore(payload, cfg)
    const daily = createStatsStore(payload, cfg, { monthlyRollup: false, pruneBreakdowns: false })
    const ranges: Array<[string, string]> = [
      ['2024-02-01', '2024-02-29'], // exactly one month, to its leap day
      ['2024-02-01', '2024-02-28'], // one day short of it: days only
      ['2024-02-29', '2024-03-01'], // across the leap day's month end
      ['2024-01-31', '2024-03-01'], // a whole month between single days
      ['2024-01-20', '2024-04-08'], // partial, two whole, partial
      ['2024-02-01', '2024-03-31'], // whole months only
      ['2024-01-25', '2024-02-29'], // leading days, then a whole month
      ['2024-03-15', '2024-03-20'], // inside one month
      ['2025-12-22', '2026-01-06'], // a year end, no whole month
      ['2025-12-01', '2026-01-31'], // a year end, whole months (partly empty)
      ['2024-01-01', '2026-01-31'], // everything, with empty months between
    ]
    const siteSets = [[sites[0]!.id], sites.map((site) => site.id)]
    for (const [from, to] of ranges) {
      for (const siteIds of siteSets) {
        for (const limit of [1000, 3]) {
          const expected = await daily.topKeys(siteIds, from, to, BREAKDOWNS, limit)
          expect(await rollup.topKeys(siteIds, from, to, BREAKDOWNS, limit), `${from}..${to}, ${siteIds.length} sites, limit ${limit}`).toEqual(expected)
        }
      }
    }
  })

  test('pruned breakdowns (each part’s first rows by visitors) equal summing every key, proved or not', async () => {
    const reference = createStatsStore(payload, cfg, { monthlyRollup: false, pruneBreakdowns: false })
    const ranges: Array<[string, string]> = [
      ['2024-01-20', '2024-04-08'], // partial, two whole, partial
      ['2024-02-01', '2024-02-29'], // one whole month
      ['2024-03-15', '2024-03-20'], // days only
      ['2025-12-22', '2026-01-06'], // a year end
    ]
    const dimensions: StatsDimension[] = ['page', 'entryPage', 'exitPage', 'source', 'country', 'browser', 'os', 'device', 'event']
    // Proved: the answer came from the candidates alone (no full ranking ran), without and with reading deeper.
    const proved = { deeper: 0, once: 0 }
    for (const depth of [1, 2, 4]) {
      for (const deepenings of [0, 2]) {
        const pruned = createStatsStore(payload, cfg, { pruneDeepenings: deepenings, pruneDepth: depth })
        for (const [from, to] of ranges) {
          for (const siteIds of [[sites[0]!.id], sites.map((site) => site.id)]) {
            for (const limit of [1, 2, 3, 5]) {
              // Only `event` (ranked by count, never pruned) and unproved dimensions take the full ranking's transaction.
              const transaction = vi.spyOn(dbOf(payload), 'transaction')
              const found = await pruned.topKeys(siteIds, from, to, dimensions.slice(0, -1), limit)
              if (transaction.mock.calls.length === 0) proved[deepenings ? 'deeper' : 'once']++
              transaction.mockRestore()
              const context = `${from}..${to}, ${siteIds.length} sites, limit ${limit}, depth ${depth}, ${deepenings} deepenings`
              expect(found, context).toEqual(await reference.topKeys(siteIds, from, to, dimensions.slice(0, -1), limit))
              expect(await pruned.topKeys(siteIds, from, to, dimensions, limit), context).toEqual(await reference.topKeys(siteIds, from, to, dimensions, limit))
            }
          }
        }
      }
    }
    // Some answers were proved from the first rows alone, and some were not; reading deeper proves more of them.
    expect(proved.once).toBeGreaterThan(0)
    expect(proved.once).toBeLessThan(3 * 4 * 2 * 4)
    expect(proved.deeper).toBeGreaterThan(proved.once)
  })

  test('a leading partial month is bounded by its month’s rows, never counted from them', async () => {
    // January 2023: "/a" is the month's top page, but only on the 5th, before the range; "/b" is on the 25th, in it.
    // February 2023 (whole, in the range): "/c" leads. The answer over 2023-01-20…02-28 is "/c"; had the January
    // rows counted as the range's own visitors, "/a" would have set the bar and pushed "/c" out.
    const site = sites[2]!
    const rows: Array<[string, string, number]> = [
      ['2023-01-05', '/a', 100],
      ['2023-01-25', '/b', 10],
      ['2023-01-26', '/x', 1],
      ['2023-02-10', '/c', 50],
      ['2023-02-11', '/d', 1],
      ['2023-02-12', '/e', 1],
    ]
    const ours = sql`site_id = ${site.id} AND date >= '2023-01-01T00:00:00Z' AND date < '2023-03-01T00:00:00Z'`
    for (const [day, key, visitors] of rows) {
      await dbOf(payload).execute(sql`
        INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, visitors, visits, pageviews)
        VALUES (${site.id}, ${site.tenant}, ${`${day}T00:00:00Z`}::timestamptz, 'page', ${key}, ${visitors}, ${visitors}, ${visitors})`)
    }
    try {
      await recomputeMonthlyStats(payload, cfg, [
        { month: '2023-01-01', siteId: site.id },
        { month: '2023-02-01', siteId: site.id },
      ])
      const reference = createStatsStore(payload, cfg, { monthlyRollup: false, pruneBreakdowns: false })
      const pruned = createStatsStore(payload, cfg, { pruneDeepenings: 0, pruneDepth: 2 })
      const transaction = vi.spyOn(dbOf(payload), 'transaction')
      const found = await pruned.topKeys([site.id], '2023-01-20', '2023-02-28', ['page'], 1)
      // Proved from the candidates (no full ranking ran), and right.
      expect(transaction).not.toHaveBeenCalled()
      transaction.mockRestore()
      expect(found.map((row) => [row.key, row.visitors])).toEqual([['/c', 50]])
      expect(found).toEqual(await reference.topKeys([site.id], '2023-01-20', '2023-02-28', ['page'], 1))
    } finally {
      await dbOf(payload).execute(sql`DELETE FROM analytics_daily_stats WHERE ${ours}`)
      await dbOf(payload).execute(sql`DELETE FROM analytics_monthly_stats WHERE site_id = ${site.id} AND month >= '2023-01-01T00:00:00Z' AND month < '2023-03-01T00:00:00Z'`)
    }
  })

  test('whole months are read from the rollup, and recomputing a month repairs it', async () => {
    const site = sites[0]!
    const read = () => createStatsStore(payload, cfg).topKeys([site.id], '2024-02-01', '2024-02-29', ['page'], 1000)
    const before = await read()
    await dbOf(payload).execute(sql`
      UPDATE analytics_monthly_stats SET visitors = visitors + 1000
      WHERE site_id = ${site.id} AND month = '2024-02-01T00:00:00Z'::timestamptz AND dimension = 'page' AND key = ${before[0]!.key}`)
    expect((await read())[0]!.visitors).toBe(before[0]!.visitors + 1000)
    await recomputeMonthlyStats(payload, cfg, [{ month: '2024-02-01', siteId: site.id }])
    expect(await read()).toEqual(before)
    expect(await rollupMismatches()).toEqual([])
  })

  test('late events, repeated and concurrent recomputes keep monthly = sum of daily', async () => {
    const late = generateEvents({ days: ['2024-02-29', '2024-03-01', '2026-01-06'], seed: 71, sessionsPerDay: [2, 4], sites })
    await store(late)
    expect(await rollupMismatches()).toEqual([])

    // Two runs at once over overlapping months, in opposite orders: no deadlock, nothing lost.
    const pairs = sites.flatMap((site) => ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02'].map((day) => ({ day, siteId: site.id })))
    const more = generateEvents({ days: ['2024-02-28', '2024-03-02'], seed: 83, sessionsPerDay: [2, 3], sites })
    await insertEvents(payload, cfg, more)
    const [first, second] = await Promise.all([
      recomputeDailyStats(payload, cfg, pairs, { concurrency: 3 }),
      recomputeDailyStats(payload, cfg, [...pairs].reverse(), { concurrency: 3 }),
    ])
    expect(first.daysRecomputed).toBe(pairs.length)
    expect(second.monthsRecomputed).toBe(sites.length * 2)
    expect(await rollupMismatches()).toEqual([])

    // Idempotent: the same recompute again writes nothing.
    expect(await recomputeDailyStats(payload, cfg, pairs)).toMatchObject({ rowsDeleted: 0, rowsWritten: 0 })
    expect(await rollupMismatches()).toEqual([])
  })

  test('erasing a site removes its monthly rows', async () => {
    const erased = sites[2]!
    expect(await monthlyRowCount(sql`site_id = ${erased.id}`)).toBeGreaterThan(0)
    await eraseSiteAnalytics(payload, cfg, erased.id)
    expect(await monthlyRowCount(sql`site_id = ${erased.id}`)).toBe(0)
    expect(await rollupMismatches()).toEqual([])
  })

  test('retention deletes months entirely before the stats retention and recomputes the month it cuts', async () => {
    // Stats kept 365 days: on 2025-03-10 the first kept day is 2024-03-10, inside March 2024.
    const result = await applyRetention(payload, cfg, { now: new Date('2025-03-10T12:00:00Z') })
    expect(result.dailyStats.firstKeptDay).toBe('2024-03-10')
    expect(result.monthlyStats).toMatchObject({ firstKeptMonth: '2024-03-01', recomputed: 2 })
    expect(result.monthlyStats.deleted).toBeGreaterThan(0)
    expect(await monthlyRowCount(sql`month < '2024-03-01T00:00:00Z'::timestamptz`)).toBe(0)
    expect(await monthlyRowCount(sql`month = '2024-03-01T00:00:00Z'::timestamptz AND dimension = 'total'`)).toBe(2)
    expect(await rollupMismatches()).toEqual([])

    // The month it cut holds only its kept days: a range from the first kept day reads them right.
    const [rollup, daily] = [createStatsStore(payload, cfg), createStatsStore(payload, cfg, { monthlyRollup: false, pruneBreakdowns: false })]
    const ids = sites.slice(0, 2).map((site) => site.id)
    expect(await rollup.topKeys(ids, '2024-03-10', '2024-04-30', BREAKDOWNS, 1000)).toEqual(await daily.topKeys(ids, '2024-03-10', '2024-04-30', BREAKDOWNS, 1000))

    const again = await applyRetention(payload, cfg, { now: new Date('2025-03-10T12:00:00Z') })
    expect(again.monthlyStats.deleted).toBe(0)
    expect(await rollupMismatches()).toEqual([])
  })
})

describe('the rollup of a month with many keys', () => {
  const MONTH = '2025-06-01'
  const KEYS = 3_000

  test('joins the month’s keys by hashing, never a nested loop over them (the plan is pinned)', async () => {
    const site = sites[0]!
    // 3,000 keys in each of three dimensions, each on two days of the month.
    for (const [dimension, prefix] of [['page', '/p-'], ['source', 's-'], ['utmCampaign', 'c-']] as const) {
      await dbOf(payload).execute(sql`
        INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, visitors, visits)
        SELECT ${site.id}, ${site.tenant}, ${`${MONTH}T00:00:00Z`}::timestamptz + (d || ' days')::interval,
          ${dimension}::enum_analytics_daily_stats_dimension, ${prefix}::text || r::text, 2, 1, 1
        FROM generate_series(1, ${KEYS}) AS r CROSS JOIN LATERAL (VALUES (r % 28), ((r * 7 + 3) % 28)) AS days (d)
        ON CONFLICT DO NOTHING`)
    }
    await recomputeMonthlyStats(payload, cfg, [{ month: MONTH, siteId: site.id }])
    expect(await monthlyRowCount(sql`site_id = ${site.id} AND month = ${`${MONTH}T00:00:00Z`}::timestamptz`)).toBe(3 * KEYS)
    await dbOf(payload).execute(sql`ANALYZE analytics_daily_stats`)
    await dbOf(payload).execute(sql`ANALYZE analytics_monthly_stats`)

    const plan = await dbOf(payload).transaction(async (tx) => {
      await tx.execute(rollupWorkMem())
      const { rows } = await tx.execute(sql`EXPLAIN ${recomputeMonthQuery(rollupTables(payload, cfg), { month: MONTH, siteId: site.id })}`)
      return rows.map((row) => String(row['QUERY PLAN'])).join('\n')
    })
    // The sums meet the monthly rows in one hash join on (dimension, key); `IS NOT DISTINCT
    // FROM` (not hashable) made this a nested loop: quadratic in the month's keys.
    // Only the diff is pinned: deleting the few stale rows by primary key may well be a
    // nested loop over them (the planner picks it when they are few; CI saw it), which is linear.
    const diff = plan.slice(plan.indexOf('CTE diff'), plan.indexOf('CTE up'))
    expect(diff).toMatch(/Hash (Full|Right|Left)? ?Join[^\n]*\n(?:[^\n]*\n)*?\s*Hash Cond: [^\n]*dimension[^\n]*key/)
    expect(diff).not.toMatch(/Nested Loop/)
    expect(plan).not.toMatch(/IS NOT DISTINCT FROM/)
    expect(await rollupMismatches()).toEqual([])
  })

  test('a NULL key written by other means is summed under "", once, and a NULL-keyed monthly row is stale', async () => {
    const site = sites[0]!
    const inMonth = sql`site_id = ${site.id} AND month = ${`${MONTH}T00:00:00Z`}::timestamptz AND dimension = 'page'`
    await dbOf(payload).execute(sql`
      INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews)
      VALUES (${site.id}, ${site.tenant}, ${`${MONTH}T00:00:00Z`}::timestamptz, 'page', NULL, 5)`)
    await dbOf(payload).execute(sql`
      INSERT INTO analytics_monthly_stats (site_id, tenant_id, month, dimension, key, pageviews)
      VALUES (${site.id}, ${site.tenant}, ${`${MONTH}T00:00:00Z`}::timestamptz, 'page', NULL, 99)`)
    for (let run = 0; run < 2; run++) await recomputeMonthlyStats(payload, cfg, [{ month: MONTH, siteId: site.id }])
    expect(await monthlyRowCount(sql`${inMonth} AND key IS NULL`)).toBe(0)
    const [row] = (await dbOf(payload).execute(sql`SELECT pageviews::int AS pageviews FROM analytics_monthly_stats WHERE ${inMonth} AND key = ''`)).rows
    expect(row?.pageviews).toBe(5)
    expect(await monthlyRowCount(inMonth)).toBe(KEYS + 1)
  })
})
