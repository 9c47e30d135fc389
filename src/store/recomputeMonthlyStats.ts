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

import { ROLLUP_METRICS } from '../core/dimensions.js'
import { monthOf, nextMonth } from '../core/months.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { statsUpsertColumns } from './statsUpsert.js'

export interface SiteMonth {
  /** The first day of the month, `YYYY-MM-01`. */
  month: string
  siteId: number | string
}

const a = (alias: string) => sql.identifier(alias)

/**
 * `SET LOCAL work_mem` for the rollup statement: room to hash a month's keys in memory (the
 * default 4 MB sorts 120,000 keys on disk, ≈ 1 s of the statement's 2). Postgres lets hash
 * nodes use twice that. Taken last in its transaction, so nothing else runs with it.
 */
export const rollupWorkMem = (): SqlQuery => sql`SELECT set_config('work_mem', ${'64MB'}, true)`

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
 * ONE statement: the month's sums of the daily rows (`r`), set against the month's monthly
 * rows (`x`) in one hashed full join on (dimension, key); only the sums that differ are
 * upserted and only the monthly rows without a sum are deleted. A month without daily rows
 * ends up without monthly rows.
 *
 * Every comparison of keys is a plain `=`, which Postgres can hash. The stale-row anti-join
 * once used `IS NOT DISTINCT FROM`, which it cannot: every monthly key was compared with
 * every key of its dimension (one new event in a month of 40,000 keys in three dimensions:
 * 437 s, holding the lock every run waits for). The aggregation never writes a NULL key; one
 * written by other means is summed under '' (the unique index cannot tell NULL keys apart,
 * so they were never rows of their own), and a NULL-keyed monthly row is deleted as stale.
 * Upserting every sum and letting ON CONFLICT find the unchanged ones cost one index probe
 * per key (≈ 1.3 of 3.3 s at 120,000 keys); the join finds them in one pass. Keys are
 * grouped and joined byte-wise (`COLLATE "C"`: the same equality, without the locale's cost,
 * as in the daily statement). The cost of a run is that of the months it touches. `npm run bench:monthly` measures it, and the old form.
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
  const metrics = (prefix: SqlQuery) => sql.join(ROLLUP_METRICS.map((metric) => sql`${prefix}${a(metric)}`), sql`, `)
  const tenantOf = (prefix: SqlQuery) => (tenancy ? sql`, ${prefix}${a('tenant')}` : sql``)

  return sql`
    WITH r AS (
      SELECT ${d.id('dimension')}::text AS ${a('dimension')}, COALESCE(${d.id('key')}, '') COLLATE "C" AS ${a('key')},
        ${sql.join(
          ROLLUP_METRICS.map((metric) => sql`sum(${d.id(metric)}) AS ${a(metric)}`),
          sql`, `,
        )}${tenancy ? sql`, ${tenant()} AS ${a('tenant')}` : sql``}
      FROM ${d.ref} WHERE ${inMonth}
      GROUP BY 1, 2
    ),
    x AS (
      SELECT ${m.id('id')} AS ${a('id')}, ${m.id('dimension')}::text AS ${a('dimension')}, ${m.id('key')} COLLATE "C" AS ${a('key')},
        ${sql.join(
          ROLLUP_METRICS.map((metric) => sql`${m.id(metric)} AS ${a(metric)}`),
          sql`, `,
        )}${tenancy ? sql`, ${m.id('tenant')} AS ${a('tenant')}` : sql``}
      FROM ${m.ref} WHERE ${m.id('site')} = ${siteId} AND ${m.id('month')} = ${start}
    ),
    diff AS MATERIALIZED (
      SELECT r.*, x.${a('id')} AS ${a('monthly_id')}
      FROM r FULL JOIN x ON r.${a('dimension')} = x.${a('dimension')} AND r.${a('key')} = x.${a('key')}
      WHERE r.${a('key')} IS NULL OR x.${a('id')} IS NULL
        OR (${metrics(sql`r.`)}${tenantOf(sql`r.`)}) IS DISTINCT FROM (${metrics(sql`x.`)}${tenantOf(sql`x.`)})
    ),
    up AS (
      INSERT INTO ${m.ref} AS o (${insertColumns})
      SELECT ${siteId}, ${tenancy ? sql`diff.${a('tenant')}, ` : sql``}${start}, diff.${a('dimension')}::${m.enumType('dimension')}, diff.${a('key')},
        ${metrics(sql`diff.`)}
      FROM diff WHERE diff.${a('key')} IS NOT NULL
      ON CONFLICT (${m.id('site')}, ${m.id('month')}, ${m.id('dimension')}, ${m.id('key')})
        DO UPDATE SET ${updates} WHERE ${changed}
      RETURNING 1
    ),
    gone AS (
      DELETE FROM ${m.ref} WHERE ${m.id('id')} IN (SELECT ${a('monthly_id')} FROM diff WHERE ${a('key')} IS NULL)
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
  await tx.execute(rollupWorkMem())
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
