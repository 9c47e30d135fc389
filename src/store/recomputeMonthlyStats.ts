/**
 * The monthly rollup of the daily statistics: every (site, month, dimension, key) row is the
 * sum of that month's daily rows, recomputed as absolute values (never incremented), so it
 * is exactly the sum of the daily rows whatever ran, failed or ran twice. It is recomputed
 * inside the transaction that rewrites the month's daily rows (`recomputeDailyStats`) or
 * deletes some of them (retention), under the advisory lock of the (site, month): the
 * month's sum therefore always sees the month's daily rows as they are committed with it.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, Drizzle, SqlQuery } from './db.js'

import { STATS_METRICS } from '../core/dimensions.js'
import { monthOf, nextMonth } from '../core/months.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { statsUpsertColumns } from './statsUpsert.js'

export interface SiteMonth {
  /** The first day of the month, `YYYY-MM-01`. */
  month: string
  siteId: number | string
}

const a = (alias: string) => sql.identifier(alias)

/** The tables the rollup reads and writes. */
export interface RollupTables {
  daily: CollectionTable
  monthly: CollectionTable
  tenancy: boolean
}

export function rollupTables(payload: Payload, cfg: SanitizedAnalyticsConfig): RollupTables {
  const daily = collectionTable(payload, cfg.slugs.dailyStats)
  const monthly = collectionTable(payload, cfg.slugs.monthlyStats)
  return { daily, monthly, tenancy: cfg.tenantsCollection !== null && daily.has('tenant') && monthly.has('tenant') }
}

/**
 * Key of the advisory lock of a (site, month). Every writer of a month's daily rows takes it
 * first, before any (site, day) lock of that month: one order everywhere, so no deadlock.
 */
export const siteMonthLockKey = (tables: RollupTables, { month, siteId }: SiteMonth): string => `${tables.monthly.name}|${String(siteId)}|${monthOf(month)}`

/** `SELECT pg_advisory_xact_lock(…)` for a (site, month). */
export const lockSiteMonth = (tables: RollupTables, pair: SiteMonth): SqlQuery =>
  sql`SELECT pg_advisory_xact_lock(hashtextextended(${siteMonthLockKey(tables, pair)}, 0))`

/**
 * ONE statement: the month's sums of the daily rows, upserted (rewriting only rows whose
 * values changed), and the month's rows whose key no longer occurs on any day deleted. A
 * month without daily rows ends up without monthly rows.
 */
export function recomputeMonthQuery(tables: RollupTables, pair: SiteMonth): SqlQuery {
  const { daily: d, monthly: m, tenancy } = tables
  const siteId = String(pair.siteId)
  const start = sql`${`${monthOf(pair.month)}T00:00:00.000Z`}::timestamptz`
  const end = sql`${`${nextMonth(pair.month)}T00:00:00.000Z`}::timestamptz`
  const inMonth = sql`${d.id('site')} = ${siteId} AND ${d.id('date')} >= ${start} AND ${d.id('date')} < ${end}`

  const { changed, insertColumns, updates } = statsUpsertColumns(m, 'month', tenancy)
  // The site's tenant as its latest day of the month has it.
  const tenant = () => sql`(SELECT ${d.id('tenant')} FROM ${d.ref} WHERE ${inMonth} ORDER BY ${d.id('date')} DESC LIMIT 1)`

  return sql`
    WITH r AS (
      SELECT ${d.id('dimension')}::text AS ${a('dimension')}, ${d.id('key')} AS ${a('key')},
        ${sql.join(
          STATS_METRICS.map((metric) => sql`sum(${d.id(metric)}) AS ${a(metric)}`),
          sql`, `,
        )}
      FROM ${d.ref} WHERE ${inMonth}
      GROUP BY ${d.id('dimension')}, ${d.id('key')}
    ),
    up AS (
      INSERT INTO ${m.ref} AS o (${insertColumns})
      SELECT ${siteId}, ${tenancy ? sql`${tenant()}, ` : sql``}${start}, r.${a('dimension')}::${m.enumType('dimension')}, r.${a('key')},
        ${sql.join(
          STATS_METRICS.map((metric) => sql`r.${a(metric)}`),
          sql`, `,
        )}
      FROM r
      ON CONFLICT (${m.id('site')}, ${m.id('month')}, ${m.id('dimension')}, ${m.id('key')})
        DO UPDATE SET ${updates} WHERE ${changed}
      RETURNING 1
    ),
    gone AS (
      DELETE FROM ${m.ref} x
      WHERE x.${m.id('site')} = ${siteId} AND x.${m.id('month')} = ${start}
        AND NOT EXISTS (
          SELECT 1 FROM r WHERE r.${a('dimension')} = x.${m.id('dimension')}::text AND r.${a('key')} IS NOT DISTINCT FROM x.${m.id('key')}
        )
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM up)::int AS ${a('written')}, (SELECT count(*) FROM gone)::int AS ${a('deleted')}`
}

/** Lock a (site, month) and recompute its rollup, inside the caller's transaction. */
export async function recomputeMonthIn(
  tx: Pick<Drizzle, 'execute'>,
  tables: RollupTables,
  pair: SiteMonth,
): Promise<{ deleted: number; written: number }> {
  await tx.execute(lockSiteMonth(tables, pair))
  const { rows } = await tx.execute(recomputeMonthQuery(tables, pair))
  const counts = rows[0] as { deleted: number; written: number }
  return { deleted: Number(counts.deleted), written: Number(counts.written) }
}

/**
 * Recompute the rollup of (site, month) pairs from the daily rows, one transaction each, in
 * a fixed order. For callers that changed daily rows outside `recomputeDailyStats` (or to
 * build the rollup of existing daily rows, e.g. a benchmark's seed).
 */
export async function recomputeMonthlyStats(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  pairs: readonly SiteMonth[],
): Promise<{ monthsRecomputed: number; rowsDeleted: number; rowsWritten: number }> {
  const tables = rollupTables(payload, cfg)
  const unique = [...new Map(pairs.map((pair) => [siteMonthLockKey(tables, pair), { month: monthOf(pair.month), siteId: pair.siteId }])).values()]
  unique.sort(compareSiteMonths)
  const result = { monthsRecomputed: 0, rowsDeleted: 0, rowsWritten: 0 }
  for (const pair of unique) {
    const counts = await drizzleOf(payload).transaction((tx) => recomputeMonthIn(tx, tables, pair))
    result.monthsRecomputed++
    result.rowsWritten += counts.written
    result.rowsDeleted += counts.deleted
  }
  return result
}

/** Site (numerically where ids are numbers), then month. */
export function compareSiteMonths(x: SiteMonth, y: SiteMonth): number {
  return String(x.siteId) === String(y.siteId) ? x.month.localeCompare(y.month) : String(x.siteId).localeCompare(String(y.siteId), 'en', { numeric: true })
}
