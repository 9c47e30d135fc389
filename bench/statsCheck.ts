/**
 * The benches' correctness check of the aggregation: the stored daily statistics of every
 * dimension equal `referenceDailyStats` (the plain-TypeScript reading of the metric
 * definitions) and `referenceRollupRows` (revenue, and the sites' goals and listed property
 * keys) computed from the events that went in — every metric and the exact revenue — and
 * every monthly row equals the sum of its month's daily rows. Mismatches are counted and a few shown, never thrown: a bench
 * reports them in its JSON (`valid: false`).
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'

import type { DailyStatsRow } from '../src/core/dailyStats.js'
import type { AnalyticsEvent } from '../src/core/event.js'
import type { SiteRollups } from '../src/core/siteRollups.js'
import type { ReferenceRow } from './referenceRollups.js'

import { referenceDailyStats } from '../src/core/dailyStatsReference.js'
import { STATS_METRICS } from '../src/core/dimensions.js'
import { localDayMemo, localMidnight } from '../src/core/timeZone.js'
import { loadIngestSites } from '../src/ingest/siteLoader.js'
import { rolledUpOf } from '../jobs/goalRollup.js'
import { referenceRollupRows, revenueUnits } from './referenceRollups.js'

type Drizzle = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const db = (p: Payload) => (p.db as unknown as { drizzle: Drizzle }).drizzle

/**
 * Events moved onto the UTC day named like their local day, so the reference (which counts
 * UTC days) counts the site's local days. Within a day every event moves by the same amount,
 * so order, sessions and gaps are kept (a day with a DST change is the exception: the bench
 * days avoid none, and a mismatch there would show up as one).
 */
export function onLocalDays(events: readonly AnalyticsEvent[], timeZoneOf: (siteId: number | string) => string): AnalyticsEvent[] {
  const dayOf = localDayMemo()
  const shifts = new Map<string, number>()
  return events.map((event) => {
    const zone = timeZoneOf(event.siteId)
    const ms = Date.parse(event.timestamp)
    const day = dayOf(ms, zone)
    const key = `${zone}|${day}`
    let shift = shifts.get(key)
    if (shift === undefined) shifts.set(key, (shift = Date.parse(`${day}T00:00:00.000Z`) - localMidnight(day, zone).getTime()))
    return shift === 0 ? event : { ...event, timestamp: new Date(ms + shift).toISOString() }
  })
}

const rowKey = (row: Pick<DailyStatsRow, 'day' | 'dimension' | 'key' | 'siteId'>) => `${row.siteId}|${row.day}|${row.dimension}|${row.key}`

/**
 * The goals and listed property keys each site's days are rolled up with — what the product's
 * aggregation is given (`jobs/goalRollup.ts` `rolledUpOf`): the definitions, from the sites'
 * settings, not rows; the reference counts them itself.
 */
export async function siteRollupsOf(payload: Payload): Promise<(siteId: string) => SiteRollups> {
  const sites = await loadIngestSites(payload, payload.analytics!.config)
  const bySite = new Map(sites.map((site) => [String(site.id), rolledUpOf(site)]))
  return (siteId) => bySite.get(siteId) ?? { goals: [], props: [] }
}

type StoredRow = Record<string, number> & { revenueUnits: bigint | null }

/** The stored daily rows of some sites, as `DailyStatsRow`s (metrics and revenue; tenant left out). */
async function storedDailyRows(payload: Payload, siteIds: ReadonlyArray<number | string>): Promise<Map<string, StoredRow>> {
  const { rows } = await db(payload).execute(sql`
    SELECT site_id, to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, dimension, key, pageviews, visitors, visits, bounces, total_duration,
      events, leads, forms, exports, automation_runs, ai_tokens, scroll_depth_sum, scroll_visits, engaged_ms, engaged_visits, revenue::text AS revenue
    FROM analytics_daily_stats WHERE site_id IN (${sql.join(
      siteIds.map((id) => sql`${id}`),
      sql`, `,
    )})`)
  const column = (metric: string) => metric.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
  return new Map(
    rows.map((row) => [
      rowKey({ day: String(row.day), dimension: row.dimension as DailyStatsRow['dimension'], key: String(row.key), siteId: String(row.site_id) }),
      { ...Object.fromEntries(STATS_METRICS.map((metric) => [metric, Number(row[column(metric)])])), revenueUnits: revenueUnits(String(row.revenue ?? '0')) } as StoredRow,
    ]),
  )
}

export interface DailyCheck {
  dimensions: number
  /** Expected rows missing or with another value, and stored rows the reference has not. */
  mismatches: number
  ok: boolean
  rows: number
  /** A few mismatches, to start looking. */
  sample: string[]
}

/**
 * Every daily row of the (site, day)s of `events` (already on local days) equals the reference
 * computed from them (with each site's goals and listed property keys: `siteRollupsOf`), and
 * those days have no other row.
 */
export async function checkDailyStats(payload: Payload, events: readonly AnalyticsEvent[], rollupsOf: (siteId: string) => SiteRollups): Promise<DailyCheck> {
  const expected: ReferenceRow[] = [...referenceDailyStats(events).map((row) => ({ ...row, revenueUnits: 0n })), ...referenceRollupRows(events, rollupsOf)]
  const siteIds = [...new Set(events.map((event) => event.siteId))]
  const stored = await storedDailyRows(payload, siteIds)
  const sample: string[] = []
  let mismatches = 0
  const note = (message: string) => {
    mismatches++
    if (sample.length < 5) sample.push(message)
  }
  for (const row of expected) {
    const key = rowKey(row)
    const found = stored.get(key)
    stored.delete(key)
    if (!found) {
      note(`missing ${key}`)
      continue
    }
    const differing = STATS_METRICS.filter((metric) => found[metric] !== row[metric]).map((metric) => `${metric} ${found[metric]} ≠ ${row[metric]}`)
    if (found.revenueUnits !== row.revenueUnits) differing.push(`revenue units ${found.revenueUnits} ≠ ${row.revenueUnits}`)
    if (differing.length > 0) note(`${key}: ${differing.join(', ')}`)
  }
  // Rows of the same (site, day)s the reference has no row for; other days are not this check's.
  const days = new Set(expected.map((row) => `${row.siteId}|${row.day}`))
  for (const key of stored.keys()) if (days.has(key.split('|').slice(0, 2).join('|'))) note(`unexpected ${key}`)
  return { dimensions: new Set(expected.map((row) => row.dimension)).size, mismatches, ok: mismatches === 0, rows: expected.length, sample }
}

/** Every monthly row equals the sum of its month's daily rows (every dimension, key and metric), and every summed key has its row. */
export async function checkMonthlyRollup(payload: Payload): Promise<{ mismatches: number; monthlyRows: number; ok: boolean }> {
  const sums = sql.join(
    STATS_METRICS.map((metric) => sql`sum(${sql.identifier(metric.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))})::float8 AS ${sql.identifier(metric)}`),
    sql`, `,
  )
  const differs = sql.join(
    STATS_METRICS.map((metric) => sql`d.${sql.identifier(metric)} IS DISTINCT FROM m.${sql.identifier(metric)}`),
    sql` OR `,
  )
  const monthlyValues = sql.join(
    STATS_METRICS.map((metric) => sql`${sql.identifier(metric.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))}::float8 AS ${sql.identifier(metric)}`),
    sql`, `,
  )
  const { rows } = await db(payload).execute(sql`
    WITH d AS (
      SELECT site_id, date_trunc('month', date AT TIME ZONE 'UTC') AS month, dimension::text AS dimension, key, ${sums}
      FROM analytics_daily_stats GROUP BY 1, 2, 3, 4
    ), m AS (
      SELECT site_id, month AT TIME ZONE 'UTC' AS month, dimension::text AS dimension, key, ${monthlyValues} FROM analytics_monthly_stats
    )
    SELECT count(*) FILTER (WHERE d.site_id IS NULL OR m.site_id IS NULL OR ${differs})::int AS mismatches, count(m.site_id)::int AS monthly_rows
    FROM d FULL JOIN m ON d.site_id = m.site_id AND d.month = m.month AND d.dimension = m.dimension AND d.key = m.key`)
  const mismatches = Number(rows[0]?.mismatches)
  return { mismatches, monthlyRows: Number(rows[0]?.monthly_rows), ok: mismatches === 0 }
}
