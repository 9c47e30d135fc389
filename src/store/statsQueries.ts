/**
 * The SQL of the stats API, over AnalyticsDailyStats, its monthly rollup for the whole
 * months of breakdown ranges. Read-only; every value is a bound parameter. The date column holds
 * the label of the site's local day (its date at 00:00 UTC); `(site, dimension, date)` is indexed for these range scans.
 */
import type { Payload } from 'payload'

import type { StatsDimension } from '../core/dimensions.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { MAX_STORED_COUNTER, PAGEVIEW } from '../core/dailyStats.js'
import { ENGAGEMENT_METRICS, STATS_METRICS } from '../core/dimensions.js'
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
  scrollDepthSum: number
  scrollVisits: number
  engagedMs: number
  engagedVisits: number
}

const COUNTER_FIELDS = STATS_METRICS satisfies ReadonlyArray<keyof TotalCounters>

/** The counters breakdown rows are ranked by. */
const RANK_FIELDS = ['visitors', 'visits', 'pageviews', 'events'] as const
/** The counters a breakdown row reports (the engagement sums: 0 but on `page` rows). */
const TOP_KEY_FIELDS = [...RANK_FIELDS, ...ENGAGEMENT_METRICS] as const

/** A breakdown row as the store reads it. */
export type TopKeyRow = { dimension: StatsDimension; key: string } & Record<(typeof TOP_KEY_FIELDS)[number], number>

const a = (alias: string) => sql.identifier(alias)

export interface StatsStore {
  /** Per (site, day): the custom-event counts of the `event` dimension (all names, or the given ones). */
  customEventsByDay(siteIds: SiteKey[], from: string, to: string, names: null | string[]): Promise<Array<{ day: string; events: number; key: string; siteId: string }>>
  /**
   * Per dimension, its keys ordered by visitors (then visits, pageviews, events, key) — custom
   * events (`event`) by their count first —, at most `limit` each.
   */
  topKeys(siteIds: SiteKey[], from: string, to: string, dimensions: StatsDimension[], limit: number): Promise<TopKeyRow[]>
  /** Per (site, day): the `total` row. Days without one are absent. */
  totalsByDay(siteIds: SiteKey[], from: string, to: string): Promise<Array<TotalCounters & { day: string; siteId: string }>>
  /** Per site: the sum of its `total` rows over the range (sites without rows are absent). */
  totalsBySite(siteIds: SiteKey[], from: string, to: string): Promise<Array<TotalCounters & { siteId: string }>>
  /**
   * Stored raw events in [from, to): per (visitor hash, path) the pageviews. For realtime windows
   * longer than the buffer's realtime index (the drop alert's 12 hours), before that index begins.
   */
  rawEventsBetween(siteIds: SiteKey[], from: Date, to: Date): Promise<Array<{ pageviews: number; path: null | string; visitor: null | string }>>
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
  // A counter as float8, clamped to [0, MAX_STORED_COUNTER]: a numeric beyond float8's range
  // (a row written by hand, or summed from values before they were bounded) would fail the
  // cast, and with it every query over the sites that row belongs to. One row per site and day.
  const counter = (field: string) => sql`LEAST(GREATEST(${t().stats.id(field)}, 0), ${MAX_STORED_COUNTER})::float8`
  const sums = () => sql.join(
    COUNTER_FIELDS.map((field) => sql`sum(${counter(field)}) AS ${a(field)}`),
    sql`, `,
  )
  const plain = () => sql.join(
    COUNTER_FIELDS.map((field) => sql`${counter(field)} AS ${a(field)}`),
    sql`, `,
  )

  /**
   * The rows of a range as UNION ALL parts: whole months from the monthly rollup (≈ 12 rows
   * per key over a year instead of 365), the partial months at either end from the daily
   * rows — the same sums. `dimensions` and `where` narrow both tables alike.
   */
  const rangeParts = (
    siteIds: SiteKey[],
    from: string,
    to: string,
    dimensions: (table: CollectionTable) => SqlQuery,
    fields: readonly string[],
    where: (table: CollectionTable) => SqlQuery = () => sql`TRUE`,
  ): SqlQuery[] => {
    const { monthly: m, stats: s } = t()
    const columns = (table: CollectionTable) =>
      sql`${table.id('dimension')}::text AS ${a('dimension')}, ${table.id('key')} AS ${a('key')}, ${sql.join(
        fields.map((field) => sql`${table.id(field)}::float8 AS ${a(field)}`),
        sql`, `,
      )}`
    const split = monthlyRollup ? splitByMonths(from, to) : { days: [{ from, to }], months: null }
    const parts = split.days.map((range) => sql`SELECT ${columns(s)} FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensions(s), range.from, range.to)} AND ${where(s)}`)
    if (split.months) {
      parts.push(sql`SELECT ${columns(m)} FROM ${m.ref} WHERE ${siteIn(sql`${m.id('site')}`, siteIds)} AND ${m.id('dimension')} ${dimensions(m)}
        AND ${m.id('month')} >= ${`${split.months.from}T00:00:00.000Z`}::timestamptz AND ${m.id('month')} <= ${`${split.months.to}T00:00:00.000Z`}::timestamptz AND ${where(m)}`)
    }
    return parts
  }

  /** The engagement sums of some pages over a range (by the unique index's key lookups). */
  const pageEngagement = async (siteIds: SiteKey[], from: string, to: string, pages: string[]) => {
    const keyIn = (table: CollectionTable) => {
      const named = pages.filter((page) => page !== '')
      const listed = named.length ? sql`${table.id('key')} IN (${sql.join(named.map((page) => sql`${page}`), sql`, `)})` : sql`FALSE`
      return pages.includes('') ? sql`(${listed} OR ${table.id('key')} IS NULL)` : listed
    }
    const page = (table: CollectionTable) => sql`= ${'page'}::${table.enumType('dimension')}`
    const parts = rangeParts(siteIds, from, to, page, ENGAGEMENT_METRICS, keyIn)
    const rows = await run<Record<string, null | number | string>>(sql`
      SELECT COALESCE(u.${a('key')}, '') AS ${a('key')}, ${sql.join(ENGAGEMENT_METRICS.map((field) => sql`sum(u.${a(field)}) AS ${a(field)}`), sql`, `)}
      FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY 1`)
    return new Map(rows.map((row) => [String(row.key), row]))
  }

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

    async rawEventsBetween(siteIds, from, to) {
      if (siteIds.length === 0) return []
      const e = t().events
      const rows = await run<{ pageviews: number; path: null | string; visitor: null | string }>(sql`
        SELECT NULLIF(${e.id('visitorHash')}, '') AS visitor, NULLIF(${e.id('path')}, '') AS path,
          (count(*) FILTER (WHERE ${e.id('type')} = ${PAGEVIEW}))::float8 AS pageviews
        FROM ${e.ref}
        WHERE ${siteIn(sql`${e.id('site')}`, siteIds)}
          AND ${e.id('timestamp')} >= ${from.toISOString()}::timestamptz AND ${e.id('timestamp')} < ${to.toISOString()}::timestamptz
        GROUP BY 1, 2`)
      return rows.map((row) => ({ pageviews: Number(row.pageviews), path: row.path, visitor: row.visitor }))
    },

    async topKeys(siteIds, from, to, dimensions, limit) {
      if (siteIds.length === 0 || dimensions.length === 0) return []
      const inDimensions = (table: CollectionTable) =>
        sql`IN (${sql.join(
          dimensions.map((dimension) => sql`${dimension}::${table.enumType('dimension')}`),
          sql`, `,
        )})`
      // Ranked on the four counters only: the engagement sums (page rows only) are read after,
      // for the ranked pages alone — summing them over every key of a year doubled the cost.
      const parts = rangeParts(siteIds, from, to, inDimensions, RANK_FIELDS)
      // Summed as float8 (exact for whole numbers below 2^53): numeric sums are several times slower.
      const sum = (field: string) => sql`sum(u.${a(field)})`
      // Custom events rank by count: server-side ones have no visitors and must not fall off the list.
      const eventsFirst = dimensions.includes('event') ? sql`CASE WHEN u.${a('dimension')} = ${'event'} THEN ${sum('events')} END DESC NULLS LAST,` : sql``
      const query = sql`
        SELECT ${a('dimension')}, ${a('key')}, ${sql.join(RANK_FIELDS.map((field) => a(field)), sql`, `)} FROM (
          SELECT u.${a('dimension')}, u.${a('key')},
            ${sql.join(RANK_FIELDS.map((field) => sql`${sum(field)} AS ${a(field)}`), sql`, `)},
            row_number() OVER (
              PARTITION BY u.${a('dimension')}
              ORDER BY ${eventsFirst} ${sum('visitors')} DESC, ${sum('visits')} DESC, ${sum('pageviews')} DESC, ${sum('events')} DESC, u.${a('key')} COLLATE "C"
            ) AS ${a('rank')}
          FROM (${sql.join(parts, sql` UNION ALL `)}) u
          GROUP BY u.${a('dimension')}, u.${a('key')}
        ) ranked WHERE ${a('rank')} <= ${limit} ORDER BY ${a('dimension')}, ${a('rank')}`
      // A year of pages is tens of thousands of groups: room to hash them in memory rather than spill to disk.
      const rows = await drizzleOf(payload).transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
        return (await tx.execute(query)).rows as Array<Record<string, null | number | string>>
      })
      const keyOf = (row: Record<string, null | number | string>) => (row.key === null ? '' : String(row.key))
      const pages = rows.filter((row) => row.dimension === 'page').map(keyOf)
      const engagement = pages.length ? await pageEngagement(siteIds, from, to, pages) : new Map<string, Record<string, null | number | string>>()
      return rows.map(
        (row) =>
          ({
            ...Object.fromEntries(TOP_KEY_FIELDS.map((field) => [field, Number((row.dimension === 'page' ? engagement.get(keyOf(row)) : undefined)?.[field] ?? row[field] ?? 0)])),
            dimension: row.dimension as StatsDimension,
            key: keyOf(row),
          }) as TopKeyRow,
      )
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
