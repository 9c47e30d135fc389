/**
 * The SQL of the stats API, over AnalyticsDailyStats, its monthly rollup for the whole
 * months of breakdown ranges (and, for realtime, the raw events of the last minutes). Read-only; every value is a bound parameter. The date column holds
 * the label of the site's local day (its date at 00:00 UTC); `(site, dimension, date)` is indexed for these range scans.
 */
import type { Payload } from 'payload'

import type { StatsDimension } from '../core/dimensions.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { PAGEVIEW } from '../core/dailyStats.js'
import { STATS_METRICS } from '../core/dimensions.js'
import { splitByMonths } from '../core/months.js'
import { collectionTable, drizzleOf, sql } from './db.js'

export type SiteKey = number | string

/** A `total` row's counters, or their sum. */
export interface TotalCounters {
  aiTokens: number
  automationRuns: number
  bounces: number
  events: number
  exports: number
  forms: number
  leads: number
  pageviews: number
  totalDuration: number
  visitors: number
  visits: number
}

const COUNTER_FIELDS = STATS_METRICS satisfies ReadonlyArray<keyof TotalCounters>

/** The counters a breakdown row reports. */
const TOP_KEY_FIELDS = ['visitors', 'visits', 'pageviews', 'events'] as const

const a = (alias: string) => sql.identifier(alias)

export interface StatsStore {
  /** Per (site, day): the custom-event counts of the `event` dimension (all names, or the given ones). */
  customEventsByDay(siteIds: SiteKey[], from: string, to: string, names: null | string[]): Promise<Array<{ day: string; events: number; key: string; siteId: string }>>
  /** Per dimension, its keys ordered by visitors (then visits, pageviews, events, key), at most `limit` each. */
  topKeys(
    siteIds: SiteKey[],
    from: string,
    to: string,
    dimensions: StatsDimension[],
    limit: number,
  ): Promise<Array<{ dimension: StatsDimension; events: number; key: string; pageviews: number; visitors: number; visits: number }>>
  /** Per (site, day): the `total` row. Days without one are absent. */
  totalsByDay(siteIds: SiteKey[], from: string, to: string): Promise<Array<TotalCounters & { day: string; siteId: string }>>
  /** Per site: the sum of its `total` rows over the range (sites without rows are absent). */
  totalsBySite(siteIds: SiteKey[], from: string, to: string): Promise<Array<TotalCounters & { siteId: string }>>
  /**
   * Raw events since `since`: per (visitor hash, path) the events and pageviews, leaving out
   * the given event ids (those counted from the buffer already).
   */
  recentRawEvents(
    siteIds: SiteKey[],
    since: Date,
    excludeEventIds: string[],
  ): Promise<Array<{ events: number; pageviews: number; path: null | string; visitor: null | string }>>
}

export interface StatsStoreOptions {
  /**
   * Breakdowns read the whole months of a range from the monthly rollup. `false` reads
   * daily rows only (the reference the rollup is tested against).
   * @default true
   */
  monthlyRollup?: boolean
}

export function createStatsStore(payload: Payload, cfg: SanitizedAnalyticsConfig, options: StatsStoreOptions = {}): StatsStore {
  const monthlyRollup = options.monthlyRollup ?? true
  let tables: { events: CollectionTable; monthly: CollectionTable; stats: CollectionTable } | null = null
  const t = () =>
    (tables ??= {
      events: collectionTable(payload, cfg.slugs.events),
      monthly: collectionTable(payload, cfg.slugs.monthlyStats),
      stats: collectionTable(payload, cfg.slugs.dailyStats),
    })
  const run = async <T>(query: SqlQuery): Promise<T[]> => (await drizzleOf(payload).execute(query)).rows as T[]

  const siteIn = (column: SqlQuery, siteIds: SiteKey[]): SqlQuery =>
    sql`${column} IN (${sql.join(
      siteIds.map((id) => sql`${String(id)}`),
      sql`, `,
    )})`

  /** The stats rows of some sites, one dimension, a range of days: the index's prefix. */
  const statsWhere = (siteIds: SiteKey[], dimension: SqlQuery, from: string, to: string): SqlQuery => {
    const s = t().stats
    return sql`${siteIn(sql`${s.id('site')}`, siteIds)} AND ${s.id('dimension')} ${dimension}
      AND ${s.id('date')} >= ${`${from}T00:00:00.000Z`}::timestamptz AND ${s.id('date')} <= ${`${to}T00:00:00.000Z`}::timestamptz`
  }
  const dimensionIs = (dimension: StatsDimension): SqlQuery => sql`= ${dimension}::${t().stats.enumType('dimension')}`
  const dayOf = () => sql`to_char(${t().stats.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
  const sums = () => sql.join(
    COUNTER_FIELDS.map((field) => sql`sum(${t().stats.id(field)}::float8) AS ${a(field)}`),
    sql`, `,
  )
  const plain = () => sql.join(
    COUNTER_FIELDS.map((field) => sql`${t().stats.id(field)}::float8 AS ${a(field)}`),
    sql`, `,
  )

  return {
    async customEventsByDay(siteIds, from, to, names) {
      if (siteIds.length === 0 || names?.length === 0) return []
      const s = t().stats
      const keys = names ? sql` AND ${s.id('key')} IN (${sql.join(names.map((name) => sql`${name}`), sql`, `)})` : sql``
      const rows = await run<{ day: string; events: number; key: string; site_id: number | string }>(sql`
        SELECT ${s.id('site')} AS site_id, ${dayOf()} AS day, ${s.id('key')} AS key, ${s.id('events')}::float8 AS events
        FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensionIs('event'), from, to)}${keys}`)
      return rows.map((row) => ({ day: row.day, events: Number(row.events), key: row.key, siteId: String(row.site_id) }))
    },

    async recentRawEvents(siteIds, since, excludeEventIds) {
      if (siteIds.length === 0) return []
      const e = t().events
      const site = sql`${e.id('site')}`
      const rows = await run<{ events: number; pageviews: number; path: null | string; visitor: null | string }>(sql`
        SELECT NULLIF(${e.id('visitorHash')}, '') AS visitor, NULLIF(${e.id('path')}, '') AS path,
          count(*)::float8 AS events, (count(*) FILTER (WHERE ${e.id('type')} = ${PAGEVIEW}))::float8 AS pageviews
        FROM ${e.ref}
        WHERE ${siteIn(site, siteIds)} AND ${e.id('timestamp')} >= ${since.toISOString()}::timestamptz
          AND NOT (${e.id('eventId')} IN (SELECT jsonb_array_elements_text(${JSON.stringify(excludeEventIds)}::jsonb)))
        GROUP BY 1, 2`)
      return rows.map((row) => ({ events: Number(row.events), pageviews: Number(row.pageviews), path: row.path, visitor: row.visitor }))
    },

    async topKeys(siteIds, from, to, dimensions, limit) {
      if (siteIds.length === 0 || dimensions.length === 0) return []
      const { monthly: m, stats: s } = t()
      const inDimensions = (table: CollectionTable) =>
        sql`IN (${sql.join(
          dimensions.map((dimension) => sql`${dimension}::${table.enumType('dimension')}`),
          sql`, `,
        )})`
      const columns = (table: CollectionTable) =>
        sql`${table.id('dimension')}::text AS ${a('dimension')}, ${table.id('key')} AS ${a('key')}, ${sql.join(
          TOP_KEY_FIELDS.map((field) => sql`${table.id(field)}::float8 AS ${a(field)}`),
          sql`, `,
        )}`
      // Whole months come from the monthly rollup (≈ 12 rows per key over a year instead of
      // 365), the partial months at either end from the daily rows: the same sums.
      const split = monthlyRollup ? splitByMonths(from, to) : { days: [{ from, to }], months: null }
      const parts = split.days.map((range) => sql`SELECT ${columns(s)} FROM ${s.ref} WHERE ${statsWhere(siteIds, inDimensions(s), range.from, range.to)}`)
      if (split.months) {
        parts.push(sql`SELECT ${columns(m)} FROM ${m.ref} WHERE ${siteIn(sql`${m.id('site')}`, siteIds)} AND ${m.id('dimension')} ${inDimensions(m)}
          AND ${m.id('month')} >= ${`${split.months.from}T00:00:00.000Z`}::timestamptz AND ${m.id('month')} <= ${`${split.months.to}T00:00:00.000Z`}::timestamptz`)
      }
      // Summed as float8 (exact for whole numbers below 2^53): numeric sums are several times slower.
      const sum = (field: string) => sql`sum(u.${a(field)})`
      const query = sql`
        SELECT ${a('dimension')}, ${a('key')}, ${a('visitors')}, ${a('visits')}, ${a('pageviews')}, ${a('events')} FROM (
          SELECT u.${a('dimension')}, u.${a('key')},
            ${sum('visitors')} AS ${a('visitors')}, ${sum('visits')} AS ${a('visits')},
            ${sum('pageviews')} AS ${a('pageviews')}, ${sum('events')} AS ${a('events')},
            row_number() OVER (
              PARTITION BY u.${a('dimension')}
              ORDER BY ${sum('visitors')} DESC, ${sum('visits')} DESC, ${sum('pageviews')} DESC, ${sum('events')} DESC, u.${a('key')} COLLATE "C"
            ) AS ${a('rank')}
          FROM (${sql.join(parts, sql` UNION ALL `)}) u
          GROUP BY u.${a('dimension')}, u.${a('key')}
        ) ranked WHERE ${a('rank')} <= ${limit} ORDER BY ${a('dimension')}, ${a('rank')}`
      // A year of pages is tens of thousands of groups: room to hash them in memory rather than spill to disk.
      const rows = await drizzleOf(payload).transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
        return (await tx.execute(query)).rows as Array<{
          dimension: StatsDimension
          events: number
          key: string
          pageviews: number
          visitors: number
          visits: number
        }>
      })
      return rows.map((row) => ({
        dimension: row.dimension,
        events: Number(row.events),
        key: row.key ?? '',
        pageviews: Number(row.pageviews),
        visitors: Number(row.visitors),
        visits: Number(row.visits),
      }))
    },

    async totalsByDay(siteIds, from, to) {
      if (siteIds.length === 0) return []
      const s = t().stats
      const rows = await run<Record<string, number | string>>(sql`
        SELECT ${s.id('site')} AS site_id, ${dayOf()} AS day, ${plain()}
        FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensionIs('total'), from, to)}`)
      return rows.map((row) => ({ ...counters(row), day: String(row.day), siteId: String(row.site_id) }))
    },

    async totalsBySite(siteIds, from, to) {
      if (siteIds.length === 0) return []
      const s = t().stats
      const rows = await run<Record<string, number | string>>(sql`
        SELECT ${s.id('site')} AS site_id, ${sums()}
        FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensionIs('total'), from, to)} GROUP BY ${s.id('site')}`)
      return rows.map((row) => ({ ...counters(row), siteId: String(row.site_id) }))
    },
  }
}

function counters(row: Record<string, number | string>): TotalCounters {
  return Object.fromEntries(COUNTER_FIELDS.map((field) => [field, Number(row[field] ?? 0)])) as unknown as TotalCounters
}
