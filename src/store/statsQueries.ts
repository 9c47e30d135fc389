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
import { keysToRank } from '../core/topKeysBound.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { daysBetween, rangeParts as rollupRangeParts, siteIn } from './rollupRange.js'
import { candidatePartsPerSite, topCandidates } from './topCandidates.js'

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

/** Pruned breakdowns (`prunedKeys`) up to this limit: a larger one reads most keys anyway. */
const MAX_PRUNED_LIMIT = 100
/**
 * Index entries one candidate read may visit: (sites × parts × dimensions) index scans of
 * `depth` rows each. The Analytics view of 23 sites over a year is ≈ 160,000 at the first depth
 * (a few hundred ms on the bench's year data); summing every key instead reads millions of rows.
 */
const MAX_PRUNED_ROWS = 250_000
/** Rows read per part: twice the limit proved the answer on the model's year (Zipf pages) for one site, with room. */
const pruneDepth = (limit: number) => Math.max(2 * limit, 20) + 1
/**
 * A dimension the first depth cannot prove is read again this many times deeper (its parts'
 * bounds fall as each part reads further down its ranking): over many sites the bounds of every
 * part add up, and one site's depth no longer suffices.
 */
const DEEPEN = 4
const MAX_DEEPENINGS = 2

/** A breakdown row as the store reads it. */
export type TopKeyRow = { dimension: StatsDimension; key: string } & Record<(typeof TOP_KEY_FIELDS)[number], number>

const a = (alias: string) => sql.identifier(alias)

/**
 * Every read below also takes `imported`: the sites (of `siteIds`) whose imported rows
 * (`src/imports/store.ts`) to add. Imported and own days never overlap, so a (site, day) comes
 * from one table or the other. Empty or absent: the own rows only, the SQL unchanged.
 */
export interface StatsStore {
  /** Per (site, day): the custom-event counts of the `event` dimension (all names, or the given ones). */
  customEventsByDay(siteIds: SiteKey[], from: string, to: string, names: null | string[], imported?: SiteKey[]): Promise<Array<{ day: string; events: number; key: string; siteId: string }>>
  /**
   * Per dimension, its keys ordered by visitors (then visits, pageviews, events, key) — custom
   * events (`event`) by their count first —, at most `limit` each.
   */
  topKeys(siteIds: SiteKey[], from: string, to: string, dimensions: StatsDimension[], limit: number, imported?: SiteKey[]): Promise<TopKeyRow[]>
  /** Per (site, day): the `total` row. Days without one are absent. */
  totalsByDay(siteIds: SiteKey[], from: string, to: string, imported?: SiteKey[]): Promise<Array<TotalCounters & { day: string; siteId: string }>>
  /** Per site: the sum of its `total` rows over the range (sites without rows are absent). */
  totalsBySite(siteIds: SiteKey[], from: string, to: string, imported?: SiteKey[]): Promise<Array<TotalCounters & { siteId: string }>>
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
  /**
   * Breakdowns read each part's first rows by visitors and sum only the keys that can make the
   * top (`core/topKeysBound.ts`), where that proves the answer. `false` sums every key.
   * @default true
   */
  pruneBreakdowns?: boolean
  /** Rows read per part by pruned breakdowns (tests read few, to prove and fail to prove with little data). @default `pruneDepth(limit)` */
  pruneDepth?: number
  /** Times a dimension not proved is read again, `DEEPEN` times deeper each. @default `MAX_DEEPENINGS` */
  pruneDeepenings?: number
}

export function createStatsStore(payload: Payload, cfg: SanitizedAnalyticsConfig, options: StatsStoreOptions = {}): StatsStore {
  const monthlyRollup = options.monthlyRollup ?? true
  const pruneBreakdowns = options.pruneBreakdowns ?? true
  let tables: { events: CollectionTable; imported: CollectionTable; monthly: CollectionTable; stats: CollectionTable } | null = null
  const t = () =>
    (tables ??= {
      events: collectionTable(payload, cfg.slugs.events),
      imported: collectionTable(payload, cfg.slugs.importedStats),
      monthly: collectionTable(payload, cfg.slugs.monthlyStats),
      stats: collectionTable(payload, cfg.slugs.dailyStats),
    })
  const run = async <T>(query: SqlQuery): Promise<T[]> => (await drizzleOf(payload).execute(query)).rows as T[]

  /** The stats rows of some sites, one dimension, a range of days: the index's prefix. */
  const statsWhere = (siteIds: SiteKey[], dimension: SqlQuery, from: string, to: string, s: CollectionTable = t().stats): SqlQuery => {
    return sql`${siteIn(s.id('site'), siteIds)} AND ${s.id('dimension')} ${dimension} AND ${daysBetween(s.id('date'), from, to)}`
  }
  const dimensionIs = (dimension: StatsDimension, s: CollectionTable = t().stats): SqlQuery => sql`= ${dimension}::${s.enumType('dimension')}`
  const dayOf = (s: CollectionTable = t().stats) => sql`to_char(${s.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
  // A counter as float8, clamped to [0, MAX_STORED_COUNTER]: a numeric beyond float8's range
  // (a row written by hand, or summed from values before they were bounded) would fail the
  // cast, and with it every query over the sites that row belongs to. One row per site and day.
  const counter = (field: string, s: CollectionTable = t().stats) => sql`LEAST(GREATEST(${s.id(field)}, 0), ${MAX_STORED_COUNTER})::float8`
  const sums = () => sql.join(
    COUNTER_FIELDS.map((field) => sql`sum(${counter(field)}) AS ${a(field)}`),
    sql`, `,
  )
  const plain = (s: CollectionTable = t().stats) => sql.join(
    COUNTER_FIELDS.map((field) => sql`${counter(field, s)} AS ${a(field)}`),
    sql`, `,
  )
  /** The `total` rows of some sites over a range, from the own or the imported table. */
  const totalRows = (s: CollectionTable, siteIds: SiteKey[], from: string, to: string) =>
    sql`SELECT ${s.id('site')} AS site_id, ${dayOf(s)} AS day, ${plain(s)} FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensionIs('total', s), from, to, s)}`

  /**
   * The rows of a range as UNION ALL parts (`rollupRange.ts`): counters as float8.
   * `dimensions` and `where` narrow every table alike.
   */
  const rangeParts = (
    siteIds: SiteKey[],
    from: string,
    to: string,
    dimensions: (table: CollectionTable) => SqlQuery,
    fields: readonly string[],
    where?: (table: CollectionTable) => SqlQuery,
    imported: SiteKey[] = [],
  ): SqlQuery[] => {
    const { imported: i, monthly, stats: daily } = t()
    return rollupRangeParts(
      { daily, imported: i, monthly },
      {
        dimension: dimensions,
        fields: { dimension: 'text', key: null, ...Object.fromEntries(fields.map((field) => [field, 'float8' as const])) },
        from,
        imported,
        monthly: monthlyRollup,
        siteIds,
        to,
        where,
      },
    )
  }

  /** The engagement sums of some pages over a range (by the unique index's key lookups). */
  const pageEngagement = async (siteIds: SiteKey[], from: string, to: string, pages: string[], imported: SiteKey[]) => {
    const keyIn = (table: CollectionTable) => {
      const named = pages.filter((page) => page !== '')
      const listed = named.length ? sql`${table.id('key')} IN (${sql.join(named.map((page) => sql`${page}`), sql`, `)})` : sql`FALSE`
      return pages.includes('') ? sql`(${listed} OR ${table.id('key')} IS NULL)` : listed
    }
    const page = (table: CollectionTable) => sql`= ${'page'}::${table.enumType('dimension')}`
    const parts = rangeParts(siteIds, from, to, page, ENGAGEMENT_METRICS, keyIn, imported)
    const rows = await run<Record<string, null | number | string>>(sql`
      SELECT COALESCE(u.${a('key')}, '') AS ${a('key')}, ${sql.join(ENGAGEMENT_METRICS.map((field) => sql`sum(u.${a(field)}) AS ${a(field)}`), sql`, `)}
      FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY 1`)
    return new Map(rows.map((row) => [String(row.key), row]))
  }

  /**
   * Per dimension, its top `limit` keys with their sums of `fields`, ranked by visitors (then
   * visits, pageviews, events, key) — custom events (`event`) by their count first.
   */
  const rankedRows = async (
    siteIds: SiteKey[],
    from: string,
    to: string,
    dimensions: readonly StatsDimension[],
    limit: number,
    fields: readonly string[],
    where: ((table: CollectionTable) => SqlQuery) | undefined,
    imported: SiteKey[],
  ) => {
    const inDimensions = (table: CollectionTable) =>
      sql`IN (${sql.join(
        dimensions.map((dimension) => sql`${dimension}::${table.enumType('dimension')}`),
        sql`, `,
      )})`
    const parts = rangeParts(siteIds, from, to, inDimensions, fields, where, imported)
    // Summed as float8 (exact for whole numbers below 2^53): numeric sums are several times slower.
    const sum = (field: string) => sql`sum(u.${a(field)})`
    // Custom events rank by count: server-side ones have no visitors and must not fall off the list.
    const eventsFirst = dimensions.includes('event') ? sql`CASE WHEN u.${a('dimension')} = ${'event'} THEN ${sum('events')} END DESC NULLS LAST,` : sql``
    const query = sql`
      SELECT ${a('dimension')}, ${a('key')}, ${sql.join(fields.map((field) => a(field)), sql`, `)} FROM (
        SELECT u.${a('dimension')}, u.${a('key')},
          ${sql.join(fields.map((field) => sql`${sum(field)} AS ${a(field)}`), sql`, `)},
          row_number() OVER (
            PARTITION BY u.${a('dimension')}
            ORDER BY ${eventsFirst} ${sum('visitors')} DESC, ${sum('visits')} DESC, ${sum('pageviews')} DESC, ${sum('events')} DESC, u.${a('key')} COLLATE "C"
          ) AS ${a('rank')}
        FROM (${sql.join(parts, sql` UNION ALL `)}) u
        GROUP BY u.${a('dimension')}, u.${a('key')}
      ) ranked WHERE ${a('rank')} <= ${limit} ORDER BY ${a('dimension')}, ${a('rank')}`
    // A few keys each: no more memory than the default (and no transaction around it).
    if (where) return run<Record<string, null | number | string>>(query)
    // A year of pages is tens of thousands of groups: room to hash them in memory rather than spill to disk.
    return drizzleOf(payload).transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
      return (await tx.execute(query)).rows as Array<Record<string, null | number | string>>
    })
  }

  /** Rows whose key is one of `keys` (none: no row). */
  const keyIn = (keys: readonly string[]) => (table: CollectionTable) =>
    keys.length ? sql`${table.id('key')} IN (${sql.join(keys.map((key) => sql`${key}`), sql`, `)})` : sql`FALSE`

  /**
   * The dimensions whose top `limit` the candidates prove (`core/topKeysBound.ts`), each with the
   * keys to rank. A dimension not proved is read again deeper (up to `MAX_DEEPENINGS` times,
   * within `MAX_PRUNED_ROWS`). None when pruning does not apply: imported rows (read as they are),
   * custom events (ranked by count, not visitors), a large limit, or too many rows to read.
   */
  const prunedKeys = async (siteIds: SiteKey[], from: string, to: string, dimensions: readonly StatsDimension[], limit: number, imported: SiteKey[]) => {
    const keys = new Map<StatsDimension, string[]>()
    const split = splitByMonths(from, to)
    const partsPerSite = candidatePartsPerSite(split)
    const rowsRead = (depth: number, count: number) => siteIds.length * partsPerSite * count * depth
    if (!pruneBreakdowns || !monthlyRollup || imported.length > 0 || limit > MAX_PRUNED_LIMIT) return keys
    const { monthly, stats } = t()
    let pending = dimensions.filter((dimension) => dimension !== 'event')
    let depth = options.pruneDepth ?? pruneDepth(limit)
    const deepenings = options.pruneDeepenings ?? MAX_DEEPENINGS
    for (let deepened = 0; deepened <= deepenings && pending.length > 0 && rowsRead(depth, pending.length) <= MAX_PRUNED_ROWS; deepened++, depth *= DEEPEN) {
      const found = await topCandidates(drizzleOf(payload), { daily: stats, monthly }, { depth, dimensions: pending, siteIds, split })
      for (const [dimension, candidates] of found) {
        const ranked = keysToRank(candidates, limit)
        if (ranked) keys.set(dimension, ranked)
      }
      // Deeper only helps a dimension whose parts were cut; a NULL key is never pruned.
      pending = pending.filter((dimension) => {
        const { candidates, cut } = found.get(dimension)!
        return !keys.has(dimension) && cut && !candidates.some((candidate) => candidate.key === null)
      })
    }
    return keys
  }

  return {
    async customEventsByDay(siteIds, from, to, names, imported = []) {
      if (siteIds.length === 0 || names?.length === 0) return []
      const select = (s: CollectionTable, ids: SiteKey[]) => {
        const keys = names ? sql` AND ${s.id('key')} IN (${sql.join(names.map((name) => sql`${name}`), sql`, `)})` : sql``
        return sql`SELECT ${s.id('site')} AS site_id, ${dayOf(s)} AS day, ${s.id('key')} AS key, ${s.id('events')}::float8 AS events
          FROM ${s.ref} WHERE ${statsWhere(ids, dimensionIs('event', s), from, to, s)}${keys}`
      }
      const own = select(t().stats, siteIds)
      const rows = await run<{ day: string; events: number; key: string; site_id: number | string }>(
        imported.length ? sql`${own} UNION ALL ${select(t().imported, imported)}` : own,
      )
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

    async topKeys(siteIds, from, to, dimensions, limit, imported = []) {
      if (siteIds.length === 0 || dimensions.length === 0) return []
      // Pruned first where it can prove its answer (`core/topKeysBound.ts`); every other dimension sums every key.
      const pruned = await prunedKeys(siteIds, from, to, dimensions, limit, imported)
      const whole = dimensions.filter((dimension) => !pruned.has(dimension))
      const rows = [
        ...(pruned.size ? await rankedRows(siteIds, from, to, [...pruned.keys()], limit, TOP_KEY_FIELDS, keyIn([...new Set([...pruned.values()].flat())]), imported) : []),
        ...(whole.length ? await rankedRows(siteIds, from, to, whole, limit, RANK_FIELDS, undefined, imported) : []),
      ]
      const keyOf = (row: Record<string, null | number | string>) => (row.key === null ? '' : String(row.key))
      // The engagement sums of the ranked pages, when the ranking did not read them.
      const pages = whole.includes('page') ? rows.filter((row) => row.dimension === 'page').map(keyOf) : []
      const engagement = pages.length ? await pageEngagement(siteIds, from, to, pages, imported) : new Map<string, Record<string, null | number | string>>()
      const engagementOf = (row: Record<string, null | number | string>) => (row.dimension !== 'page' ? undefined : pruned.has('page') ? row : engagement.get(keyOf(row)))
      return rows
        .map(
          (row, index) =>
            ({
              ...Object.fromEntries(TOP_KEY_FIELDS.map((field) => [field, Number((ENGAGEMENT_METRICS as readonly string[]).includes(field) ? (engagementOf(row)?.[field] ?? 0) : (row[field] ?? 0))])),
              dimension: row.dimension as StatsDimension,
              index,
              key: keyOf(row),
            }) as TopKeyRow & { index: number },
        )
        .sort((x, y) => (x.dimension < y.dimension ? -1 : x.dimension > y.dimension ? 1 : x.index - y.index))
        .map(({ index: _, ...row }) => row)
    },

    async totalsByDay(siteIds, from, to, imported = []) {
      if (siteIds.length === 0) return []
      const own = totalRows(t().stats, siteIds, from, to)
      const rows = await run<Record<string, number | string>>(imported.length ? sql`${own} UNION ALL ${totalRows(t().imported, imported, from, to)}` : own)
      return rows.map((row) => ({ ...counters(row), day: String(row.day), siteId: String(row.site_id) }))
    },

    async totalsBySite(siteIds, from, to, imported = []) {
      if (siteIds.length === 0) return []
      const s = t().stats
      const rows = await run<Record<string, number | string>>(
        imported.length
          ? sql`SELECT u.site_id, ${sql.join(COUNTER_FIELDS.map((field) => sql`sum(u.${a(field)}) AS ${a(field)}`), sql`, `)}
              FROM (${totalRows(s, siteIds, from, to)} UNION ALL ${totalRows(t().imported, imported, from, to)}) u GROUP BY u.site_id`
          : sql`SELECT ${s.id('site')} AS site_id, ${sums()}
              FROM ${s.ref} WHERE ${statsWhere(siteIds, dimensionIs('total'), from, to)} GROUP BY ${s.id('site')}`,
      )
      return rows.map((row) => ({ ...counters(row), siteId: String(row.site_id) }))
    },
  }
}

function counters(row: Record<string, number | string>): TotalCounters {
  return Object.fromEntries(COUNTER_FIELDS.map((field) => [field, Number(row[field] ?? 0)])) as unknown as TotalCounters
}
