import type { Payload } from 'payload'

import type { SiteDay, TimeZoneOf } from '../src/core/dailyStats.js'
import type { DirtyDays } from '../src/store/dirtyDays.js'
import type { SqlName, SqlQuery, StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { monthOf } from '../src/core/months.js'
import { DAY_MS } from '../src/core/time.js'
import { localDayOf, localMidnight, UTC } from '../src/core/timeZone.js'
import { collectionTable, drizzleOf, sql, timed } from '../src/store/db.js'
import { recomputeMonthIn, rollupTables } from '../src/store/recomputeMonthlyStats.js'


/** The UTC day (`YYYY-MM-DD`) of an instant. */
export const utcDayOf = (date: Date): string => date.toISOString().slice(0, 10)

/**
 * The first day still kept when data is kept `days` days, a local day of the site's zone:
 * raw events (or statistics) of earlier days are deleted, in whole local days. With 30 days
 * on 2026-11-21 that is 2026-10-22: the 30 days before today are kept, and today.
 */
export function firstKeptDay(days: number, now: Date = new Date(), timeZone: string = UTC): string {
  const today = Date.parse(`${localDayOf(now.getTime(), timeZone)}T00:00:00.000Z`)
  return utcDayOf(new Date(today - days * DAY_MS))
}

/** Raw-event retention per site: its effective `retentionDays`, the plugin's default for any other site. */
export type RetentionDaysOf = (siteId: number | string) => number

/**
 * A view of the dirty days that leaves out (and clears) every (site, day) before the site's
 * first kept day. Those days' raw events are deleted — or being deleted, batch by batch —
 * by retention, so a recompute would see part of a day, or only a late event that arrived
 * after the day was deleted, and overwrite a full day's statistics with a fraction of them.
 * Their statistics stay as they were computed while the day was complete.
 */
export function withoutExpiredDays(
  dirty: DirtyDays,
  retentionDaysOf: RetentionDaysOf,
  options: { now?: () => Date; onExpired?: (pairs: SiteDay[]) => void; timeZoneOf?: TimeZoneOf } = {},
): DirtyDays {
  return {
    clear: (days) => dirty.clear(days),
    kind: dirty.kind,
    async list() {
      const listed = await dirty.list()
      const now = options.now?.() ?? new Date()
      const expired = listed.filter((pair) => pair.day < firstKeptDay(retentionDaysOf(pair.siteId), now, options.timeZoneOf?.(pair.siteId)))
      if (expired.length === 0) return listed
      await dirty.clear(expired)
      options.onExpired?.(expired.map(({ day, siteId }) => ({ day, siteId })))
      const gone = new Set(expired)
      return listed.filter((pair) => !gone.has(pair))
    },
    mark: (pairs) => dirty.mark(pairs),
  }
}

export interface RetentionRunOptions extends StoreOptions {
  /** Rows deleted per statement. @default 10000 */
  batchSize?: number
  /** "Now" (tests). @default new Date() */
  now?: Date
  /** Effective raw-event retention of each site (`retentionDays` of its settings); others get `cfg.retention.eventsDays`. */
  siteRetentionDays?: ReadonlyMap<string, number>
  /** Each site's time zone (days are its local days); others are in `defaults.timeZone`. */
  siteTimeZones?: ReadonlyMap<string, string>
}

export interface RetentionResult {
  auditLog: {
    batches: number
    deleted: number
    /** Rows created before this instant were deleted (`retention.auditDays` before now). */
    before: string
  }
  dailyStats: {
    /** DELETE statements that removed rows. */
    batches: number
    deleted: number
    /** Rows of days before this one were deleted. */
    firstKeptDay: string
  }
  durationMs: number
  /** The monthly rollup of the daily stats. */
  monthlyStats: {
    batches: number
    deleted: number
    /** Rows of months before this one were deleted. */
    firstKeptMonth: string
    /** Rollups recomputed after retention deleted part of their month's days (one per site at most). */
    recomputed: number
  }
  events: {
    batches: number
    deleted: number
    /** The plugin's raw retention: the first kept day of sites without settings of their own. */
    firstKeptDay: string
    /** Sites (with raw events) whose old events were looked for. */
    sites: number
  }
  now: string
  salts: { deleted: number }
  /** Rows of the visits table (`AnalyticsVisits`), kept exactly as long as the raw events. */
  visits: { batches: number; deleted: number }
}

/**
 * Delete what is past its retention, in bounded batches (`DELETE … WHERE id IN (SELECT id …
 * LIMIT n)`, each its own short transaction, so a large delete never holds many row locks
 * or one long transaction):
 * - raw events of every local day (the site's zone) before each site's first kept day (`retentionDays` of its
 *   settings, else `retention.eventsDays`), site by site through the `(site, timestamp)`
 *   index, oldest first, so at most one day of a site is partly deleted at any moment (and
 *   the aggregation does not recompute such days: `withoutExpiredDays`); the visits of those
 *   days with them;
 * - daily statistics of days before `retention.statsDays`, site by site through the unique
 *   `(site, date, …)` index; their monthly rollups of months entirely before it, and the
 *   rollup of the month that lost part of its days recomputed from the days kept;
 * - Postgres salts of days before yesterday (the no-Redis salt store).
 * Every statement is timed (`analytics_db_latency_seconds{operation="retention"}`).
 */
export async function applyRetention(payload: Payload, cfg: SanitizedAnalyticsConfig, options: RetentionRunOptions = {}): Promise<RetentionResult> {
  const started = Date.now()
  const now = options.now ?? new Date()
  const batchSize = options.batchSize ?? 10_000
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('applyRetention: batchSize must be a whole number ≥ 1')
  const db = drizzleOf(payload)
  const run = async (query: SqlQuery): Promise<Array<Record<string, unknown>>> =>
    (await timed(options, 'retention', () => db.execute(query))).rows as Array<Record<string, unknown>>
  const id = sql.identifier('id')

  /** Delete `WHERE <where>` in batches of `batchSize`, oldest first by `orderBy`. */
  const deleteInBatches = async (table: SqlName, where: SqlQuery, orderBy: SqlName) => {
    let deleted = 0
    let batches = 0
    for (;;) {
      const rows = await run(sql`
        WITH d AS (
          DELETE FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${table} WHERE ${where} ORDER BY ${orderBy} LIMIT ${batchSize})
          RETURNING 1
        )
        SELECT count(*)::int AS n FROM d`)
      const n = Number(rows[0]?.n ?? 0)
      if (n > 0) batches++
      deleted += n
      if (n < batchSize) return { batches, deleted }
    }
  }

  /** Distinct non-null values of a column that leads an index: one index probe per value (a "loose index scan"). */
  const distinctSites = async (table: SqlName, column: SqlName) => {
    const rows = await run(sql`
      WITH RECURSIVE s (v) AS (
        (SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${column} LIMIT 1)
        UNION ALL
        SELECT (SELECT ${column} FROM ${table} WHERE ${column} > s.v ORDER BY ${column} LIMIT 1) FROM s WHERE s.v IS NOT NULL
      )
      SELECT v FROM s WHERE v IS NOT NULL`)
    return rows.map((row) => row.v as number | string)
  }

  // Raw events.
  const events = collectionTable(payload, cfg.slugs.events)
  const defaultFirstKept = firstKeptDay(cfg.retention.eventsDays, now, cfg.defaults.timeZone)
  const eventsResult = { batches: 0, deleted: 0, firstKeptDay: defaultFirstKept, sites: 0 }
  // Every site id found in the events, also of sites deleted without the plugin's hook (the
  // column is a plain id, not a foreign key): those have no settings, so the default retention.
  const eventSites = await distinctSites(events.ref, events.id('site'))
  eventsResult.sites = eventSites.length
  const before = (day: string) => sql`${`${day}T00:00:00.000Z`}::timestamptz`
  const zoneOf = (site: number | string) => options.siteTimeZones?.get(String(site)) ?? cfg.defaults.timeZone
  for (const site of eventSites) {
    const days = options.siteRetentionDays?.get(String(site)) ?? cfg.retention.eventsDays
    // Whole local days: everything before the local midnight that starts the first kept day.
    const cutoff = localMidnight(firstKeptDay(days, now, zoneOf(site)), zoneOf(site))
    const { batches, deleted } = await deleteInBatches(
      events.ref,
      sql`${events.id('site')} = ${site} AND ${events.id('timestamp')} < ${cutoff.toISOString()}::timestamptz`,
      events.id('timestamp'),
    )
    eventsResult.batches += batches
    eventsResult.deleted += deleted
  }

  // Visits: derived from the raw events, so they go with them (whole local days, by label).
  const visits = collectionTable(payload, cfg.slugs.visits)
  const visitsResult = { batches: 0, deleted: 0 }
  for (const site of await distinctSites(visits.ref, visits.id('site'))) {
    const days = options.siteRetentionDays?.get(String(site)) ?? cfg.retention.eventsDays
    const { batches, deleted } = await deleteInBatches(
      visits.ref,
      sql`${visits.id('site')} = ${site} AND ${visits.id('day')} < ${before(firstKeptDay(days, now, zoneOf(site)))}`,
      visits.id('day'),
    )
    visitsResult.batches += batches
    visitsResult.deleted += deleted
  }

  // Daily statistics.
  const stats = collectionTable(payload, cfg.slugs.dailyStats)
  const statsFirstKept = firstKeptDay(cfg.retention.statsDays, now, cfg.defaults.timeZone)
  const statsResult = { batches: 0, deleted: 0, firstKeptDay: statsFirstKept }
  for (const site of await distinctSites(stats.ref, stats.id('site'))) {
    const { batches, deleted } = await deleteInBatches(
      stats.ref,
      sql`${stats.id('site')} = ${site} AND ${stats.id('date')} < ${before(firstKeptDay(cfg.retention.statsDays, now, zoneOf(site)))}`,
      stats.id('date'),
    )
    statsResult.batches += batches
    statsResult.deleted += deleted
  }

  // Monthly rollups: months entirely before the first kept day go; the month holding that day
  // (when it is not the 1st) lost some daily rows, so its rollup is recomputed from the rest —
  // under the month's lock, as every writer of the month's rows does.
  const rollup = rollupTables(payload, cfg)
  const monthly = rollup.monthly
  const monthlyResult = { batches: 0, deleted: 0, firstKeptMonth: monthOf(statsFirstKept), recomputed: 0 }
  const monthlySites = await distinctSites(monthly.ref, monthly.id('site'))
  for (const site of monthlySites) {
    const siteFirstKept = firstKeptDay(cfg.retention.statsDays, now, zoneOf(site))
    const { batches, deleted } = await deleteInBatches(
      monthly.ref,
      sql`${monthly.id('site')} = ${site} AND ${monthly.id('month')} < ${before(monthOf(siteFirstKept))}`,
      monthly.id('month'),
    )
    monthlyResult.batches += batches
    monthlyResult.deleted += deleted
    if (siteFirstKept !== monthOf(siteFirstKept)) {
      await timed(options, 'retention', () => db.transaction((tx) => recomputeMonthIn(tx, rollup, { month: siteFirstKept, siteId: site })))
      monthlyResult.recomputed++
    }
  }

  // Salts (a handful of rows): every day before yesterday.
  const salts = collectionTable(payload, cfg.slugs.salts)
  const yesterday = utcDayOf(new Date(Date.parse(`${utcDayOf(now)}T00:00:00.000Z`) - DAY_MS))
  const saltRows = await run(sql`
    WITH d AS (DELETE FROM ${salts.ref} WHERE ${salts.id('day')} < ${yesterday} RETURNING 1)
    SELECT count(*)::int AS n FROM d`)

  // The audit log: rows older than `retention.auditDays` (whole instants, through the createdAt index).
  const auditLog = collectionTable(payload, cfg.slugs.auditLog)
  const auditBefore = new Date(now.getTime() - cfg.retention.auditDays * DAY_MS)
  const auditResult = await deleteInBatches(
    auditLog.ref,
    sql`${auditLog.id('createdAt')} < ${auditBefore.toISOString()}::timestamptz`,
    auditLog.id('createdAt'),
  )

  return {
    auditLog: { ...auditResult, before: auditBefore.toISOString() },
    dailyStats: statsResult,
    durationMs: Date.now() - started,
    events: eventsResult,
    monthlyStats: monthlyResult,
    now: now.toISOString(),
    salts: { deleted: Number(saltRows[0]?.n ?? 0) },
    visits: visitsResult,
  }
}
