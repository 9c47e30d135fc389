import type { Payload } from 'payload'

import type { SiteDay, TimeZoneOf } from '../core/dailyStats.js'
import type { RollupMetric } from '../core/dimensions.js'
import type { Goal } from '../core/goals.js'
import type { SiteRollups } from '../core/siteRollups.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlName, SqlQuery, StoreOptions } from './db.js'
import type { SiteMonth } from './recomputeMonthlyStats.js'

import {
  COUNTED_EVENT_TYPES,
  dayBounds,
  EMPTY_KEY_DIMENSIONS,
  ENGAGEMENT,
  MAX_EVENT_VALUE,
  NON_CUSTOM_EVENT_TYPES,
  PAGEVIEW,
  SCROLL_DEPTH_PROP,
  SESSION_DIMENSION_FIELDS,
  SESSION_DIMENSIONS,
  siteDayKey,
  SUMMED_EVENT_TYPES,
} from '../core/dailyStats.js'
import { ROLLUP_METRICS } from '../core/dimensions.js'
import { MAX_PROP_VALUES_PER_DAY } from '../core/siteRollups.js'
import { monthOf } from '../core/months.js'
import { collectionTable, drizzleOf, sql, timed } from './db.js'
import { goalPredicate } from './filteredStats.js'
import { statsUpsertColumns } from './statsUpsert.js'
import { visitRowsCtes } from './visitRows.js'
import { lockSiteMonth, recomputeMonthIn, rollupTables, siteMonthLockKey } from './recomputeMonthlyStats.js'

export interface RecomputeOptions extends StoreOptions {
  /**
   * A day without raw events loses its rows too (a change of time zone: the day's rows were
   * computed in the previous zone, and no event falls in it in the new one). Only for days
   * whose raw events are all still kept.
   * @default false
   */
  clearEmptyDays?: boolean
  /**
   * (site, month) groups recomputed at once, each on its own connection and transaction.
   * @default 2
   */
  concurrency?: number
  /**
   * Each site's goals and listed property keys: the day's `goal` and `prop` rows count them
   * (and lose the rows of those not given). Every recompute of a site's days must give the
   * ones in force (`jobs/goalRollup.ts`, `rolledUpOf`).
   * @default none
   */
  rollupsOf?: (siteId: number | string) => SiteRollups
  /** Each site's time zone: its days are local days. @default every site in `defaults.timeZone` */
  timeZoneOf?: TimeZoneOf
}

export interface RecomputeResult {
  /** (site, day) pairs recomputed. */
  daysRecomputed: number
  /** (site, month) rollups recomputed: one per month with a recomputed day. */
  monthsRecomputed: number
  /** Stale rows removed (keys that no longer occur that day). */
  rowsDeleted: number
  /** Rows inserted, or updated because a value changed (unchanged rows are not rewritten). */
  rowsWritten: number
}

/** Event-table columns the recompute reads, by their alias inside the query. */
const EVENT_TEXT_ALIASES = {
  browser: 'browser',
  country: 'country',
  os: 'os',
  path: 'path',
  source: 'source',
  utmCampaign: 'utm_campaign',
  utmContent: 'utm_content',
  utmMedium: 'utm_medium',
  utmSource: 'utm_source',
  utmTerm: 'utm_term',
} as const

const SESSION_ATTRIBUTE_ALIASES = { ...EVENT_TEXT_ALIASES, device: 'device' } as const

const a = (alias: string) => sql.identifier(alias)

/**
 * Recompute the daily statistics of (site, local day) pairs as absolute values from the raw
 * events (definitions: `src/core/dailyStats.ts`).
 *
 * The pairs of one (site, month) share one transaction: the advisory lock of the (site,
 * month) first, then for each day, in order, `pg_advisory_xact_lock` on a key of (table,
 * site, day), so recomputes of the same pair run one after the other; then ONE statement that
 * computes every row of the day from the events (CTEs: the day's events, its sessions, the
 * total, session dimensions, pages, exit pages, custom events), upserts them (rewriting only
 * rows whose values changed) and deletes the day's rows whose key no longer occurs. Under READ COMMITTED that statement's snapshot is
 * taken after the lock is granted, so it sees every event committed before, including those
 * of a recompute that held the lock just before: the last writer is always the freshest,
 * and a stale count is never written over a fresh one. A pair with no raw events is left
 * alone (expired raw events must not erase statistics).
 *
 * Last in the same transaction, the month's rollup (`recomputeMonthlyStats.ts`) is
 * recomputed from its daily rows: monthly rows commit together with the days they sum, and
 * the month lock serialises every writer of the month, so monthly = sum of daily, always.
 * Locks are always taken month first, then days in order: concurrent runs never deadlock.
 */
export async function recomputeDailyStats(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  days: readonly SiteDay[],
  options?: RecomputeOptions,
): Promise<RecomputeResult> {
  const timeZoneOf = options?.timeZoneOf ?? (() => cfg.defaults.timeZone)
  const unique = new Map<string, SiteDay>()
  for (const pair of days) {
    dayBounds(pair.day) // throws for a malformed day before anything is written
    unique.set(siteDayKey(pair), pair)
  }
  const pairs = [...unique.values()].sort((x, y) =>
    String(x.siteId) === String(y.siteId) ? x.day.localeCompare(y.day) : String(x.siteId).localeCompare(String(y.siteId), 'en', { numeric: true }),
  )
  const result: RecomputeResult = { daysRecomputed: 0, monthsRecomputed: 0, rowsDeleted: 0, rowsWritten: 0 }
  if (pairs.length === 0) return result

  const events = collectionTable(payload, cfg.slugs.events)
  const rollup = rollupTables(payload, cfg)
  const stats = rollup.daily
  const tenancy = cfg.tenantsCollection !== null && events.has('tenant') && stats.has('tenant')
  const visits = collectionTable(payload, cfg.slugs.visits)
  const db = drizzleOf(payload)

  // One transaction per (site, month): its days (in order), then the month's rollup.
  const groups = new Map<string, { days: SiteDay[]; month: SiteMonth }>()
  for (const pair of pairs) {
    const month: SiteMonth = { month: monthOf(pair.day), siteId: pair.siteId }
    const key = siteMonthLockKey(rollup, month)
    const group = groups.get(key) ?? groups.set(key, { days: [], month }).get(key)!
    group.days.push(pair)
  }
  const work = [...groups.values()]

  let next = 0
  let failed = false
  const worker = async () => {
    while (next < work.length && !failed) {
      const group = work[next++]!
      const counts = await db.transaction(async (tx) => {
        // Lock order: the month first, then its days in order — the same everywhere.
        await timed(options, 'recompute', () => tx.execute(lockSiteMonth(rollup, group.month)))
        const totals = { deleted: 0, written: 0 }
        // The day's statement joins CTEs whose row counts the planner can only guess (the
        // engagement events, the visits): guessed at one row, a nested loop over visits ×
        // engagement events took 6 s for a day of 300 visits. Hash joins cost the same whatever
        // the guess. For the days' statements only; the month's rollup plans as always.
        await timed(options, 'recompute', () => tx.execute(sql`SET LOCAL enable_nestloop = off`))
        for (const pair of group.days) {
          const lockKey = `${stats.name}|${siteDayKey(pair)}`
          await timed(options, 'recompute', () => tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`))
          const { rows } = await timed(options, 'recompute', () =>
            tx.execute(
              recomputeQuery({
                clearEmpty: options?.clearEmptyDays ?? false,
                events,
                goals: options?.rollupsOf?.(pair.siteId).goals,
                props: options?.rollupsOf?.(pair.siteId).props,
                pair,
                stats,
                tenancy,
                timeZone: timeZoneOf(pair.siteId),
                visits,
              }),
            ),
          )
          const day = rows[0] as { deleted: number; written: number }
          totals.written += Number(day.written)
          totals.deleted += Number(day.deleted)
        }
        await timed(options, 'recompute', () => tx.execute(sql`SET LOCAL enable_nestloop = on`))
        await timed(options, 'recompute', () => recomputeMonthIn(tx, rollup, group.month))
        return totals
      })
      result.daysRecomputed += group.days.length
      result.monthsRecomputed++
      result.rowsWritten += counts.written
      result.rowsDeleted += counts.deleted
    }
  }
  const concurrency = Math.max(1, Math.min(options?.concurrency ?? 2, work.length))
  // Stop handing out months after a failure, and return only when no transaction is running.
  const results = await Promise.allSettled(
    Array.from({ length: concurrency }, () =>
      worker().catch((error: unknown) => {
        failed = true
        throw error
      }),
    ),
  )
  const failure = results.find((settled): settled is PromiseRejectedResult => settled.status === 'rejected')
  if (failure) throw failure.reason
  return result
}

/** One branch of the rows CTE: every metric in `ROLLUP_METRICS` order, 0 where not given. */
function rowsBranch(
  dimension: SqlName,
  key: SqlName,
  metrics: Partial<Record<RollupMetric, SqlQuery>>,
  rest: SqlQuery,
): SqlQuery {
  const values = ROLLUP_METRICS.map((metric) => sql`(${metrics[metric] ?? sql`0`})::numeric`)
  return sql`SELECT ${dimension}::text, ${key}::text, ${sql.join(values, sql`, `)} ${rest}`
}

export function recomputeQuery(args: {
  clearEmpty?: boolean
  events: CollectionTable
  /** The site's goals: one `goal` row each (with a conversion that day). @default none */
  goals?: readonly Goal[]
  pair: SiteDay
  /** The site's listed property keys: `prop` rows of their values (`siteRollups.ts`). @default none */
  props?: readonly string[]
  stats: CollectionTable
  tenancy: boolean
  /** The site's zone: the day's events are those of its local day. @default 'UTC' */
  timeZone?: string
  /** The visits table, rewritten for the day in the same statement (`visitRows.ts`). @default not written */
  visits?: CollectionTable
}): SqlQuery {
  const { events: e, pair, stats, tenancy } = args
  const goals = args.goals ?? []
  const props = args.props ?? []
  const { end, start } = dayBounds(pair.day, args.timeZone)
  const siteId = String(pair.siteId)
  const pageview = sql`${a('type')} = ${PAGEVIEW}`
  const col = (field: string) => sql`e.${e.id(field)}`

  // The day's events, empty strings as null, ordered columns ready for "first" and "last".
  // COLLATE "C": the grouping and DISTINCT sorts compare bytes (same equality, no locale cost).
  const textColumns = Object.entries(EVENT_TEXT_ALIASES).map(([field, alias]) => sql`NULLIF(${col(field)}, '') COLLATE "C" AS ${a(alias)}`)
  const ev = sql`SELECT ${col('type')} COLLATE "C" AS ${a('type')}, ${sql.join(textColumns, sql`, `)},
      ${col('device')}::text AS ${a('device')},
      NULLIF(${col('visitorHash')}, '') COLLATE "C" AS ${a('visitor')},
      NULLIF(${col('sessionId')}, '') COLLATE "C" AS ${a('session')},
      ${col('value')} AS ${a('value')},
      ${col('revenueAmount')} AS ${a('rev_amount')}, NULLIF(${col('revenueCurrency')}, '') COLLATE "C" AS ${a('rev_currency')},
      ${goals.some((goal) => goal.prop) || props.length > 0 ? col('props') : sql`NULL::jsonb`} AS ${a('props')},
      ${col('timestamp')} AS ${a('ts')},
      ${col('eventId')} COLLATE "C" AS ${a('eid')}${args.visits ? sql`, ${col('id')} AS ${a('id')}` : sql``}
      ${tenancy ? sql`, ${col('tenant')}::${stats.idType('tenant')} AS ${a('tenant')}` : sql``}
    FROM ${e.ref} e
    WHERE ${col('site')} = ${siteId} AND ${col('timestamp')} >= ${start.toISOString()}::timestamptz AND ${col('timestamp')} < ${end.toISOString()}::timestamptz`
  const isEngagement = sql`${col('type')} = ${ENGAGEMENT}`
  const countedEvents = sql`${ev} AND ${col('type')} <> ${ENGAGEMENT}`

  // The day's engagement events with a session and a path: the pages' engagement figures and
  // the last page's reading time of a visit (definitions: `dailyStats.ts`, "Engagement").
  const eng = sql`SELECT NULLIF(${col('sessionId')}, '') COLLATE "C" AS ${a('session')}, NULLIF(${col('path')}, '') COLLATE "C" AS ${a('path')},
      round(COALESCE(${col('value')}, 0) * 1000) AS ${a('ms')},
      CASE WHEN jsonb_typeof(${col('props')} -> ${SCROLL_DEPTH_PROP}) = 'number' THEN (${col('props')} ->> ${SCROLL_DEPTH_PROP})::numeric END AS ${a('depth')},
      ${col('timestamp')} AS ${a('ts')}
    FROM ${e.ref} e
    WHERE ${col('site')} = ${siteId} AND ${col('timestamp')} >= ${start.toISOString()}::timestamptz AND ${col('timestamp')} < ${end.toISOString()}::timestamptz
      AND ${isEngagement} AND NULLIF(${col('sessionId')}, '') IS NOT NULL AND NULLIF(${col('path')}, '') IS NOT NULL`

  // Per session, in one sorted pass: the ordered aggregates share one ORDER BY, so Postgres
  // sorts the day's events by (session, ts, eid) once and takes "first" as element 1.
  const inOrder = sql`ORDER BY ${a('ts')}, ${a('eid')} COLLATE "C"`
  const firstOf = (alias: string) => sql`(array_agg(${a(alias)} ${inOrder}))[1] AS ${a(alias)}`
  const sessionAttributes = sql.join(
    ['visitor', ...Object.values(SESSION_ATTRIBUTE_ALIASES)].map(firstOf),
    sql`, `,
  )

  // Totals: one row, none for a day without events.
  const counted = Object.entries(COUNTED_EVENT_TYPES).map(([type, metric]) => [metric, sql`count(*) FILTER (WHERE ${a('type')} = ${type})`] as const)
  const summed = Object.entries(SUMMED_EVENT_TYPES).map(
    // Each value within [0, MAX_EVENT_VALUE] (`summedValue`): events stored before tracking bounded them count as new ones would.
    ([type, metric]) => [metric, sql`COALESCE(sum(LEAST(GREATEST(${a('value')}, 0), ${MAX_EVENT_VALUE})) FILTER (WHERE ${a('type')} = ${type}), 0)`] as const,
  )
  const totals = rowsBranch(
    sql`${'total'}`,
    sql`${''}`,
    {
      bounces: sql`(SELECT COALESCE(sum(${a('bounce')}), 0) FROM sess)`,
      events: sql`count(*)`,
      pageviews: sql`count(*) FILTER (WHERE ${pageview})`,
      totalDuration: sql`(SELECT COALESCE(sum(${a('duration')}), 0) FROM sess)`,
      visitors: sql`count(DISTINCT ${a('visitor')})`,
      visits: sql`(SELECT count(*) FROM sess)`,
      ...Object.fromEntries([...counted, ...summed]),
      ...Object.fromEntries(
        (
          [
            ['scrollDepthSum', 'depth'],
            ['scrollVisits', 'depth_visits'],
            ['engagedMs', 'ms'],
            ['engagedVisits', 'engaged_visits'],
          ] as const
        ).map(([metric, column]) => [metric, sql`(SELECT COALESCE(${a(column)}, 0) FROM ${a('eng_total')})`]),
      ),
    },
    sql`FROM ev HAVING count(*) > 0`,
  )

  // Session dimensions: one grouping set per dimension over the sessions, each session under
  // its key (column k0, k1, … of `keyed`), all hashed in one pass over the sessions.
  const keyColumns = SESSION_DIMENSIONS.map((dimension, index) => {
    const column = dimension === 'entryPage' ? a('entry_page') : a(SESSION_ATTRIBUTE_ALIASES[SESSION_DIMENSION_FIELDS[dimension]])
    const key = EMPTY_KEY_DIMENSIONS.includes(dimension) ? sql`COALESCE(s.${column}, '')` : sql`s.${column}`
    return { dimension, expression: sql`${key}::text`, name: a(`k${index}`) }
  })
  const keyed = (where: SqlQuery) => sql`(
      SELECT ${sql.join(keyColumns.map((k) => sql`${k.expression} AS ${k.name}`), sql`, `)},
        s.${a('visitor')}, s.${a('bounce')}, s.${a('pageviews')}, s.${a('duration')},
        s.${a('visitor')} IN (SELECT ${a('visitor')} FROM ${a('repeat_visitors')}) AS ${a('repeat')}
      FROM sess s ${where}
    ) u`
  // The set a grouped row belongs to, and its key: GROUPING(k) = 0 for the set grouped by k.
  const setDimension = sql`CASE ${sql.join(keyColumns.map((k) => sql`WHEN GROUPING(u.${k.name}) = 0 THEN ${k.dimension}::text`), sql` `)} END`
  const setKey = sql`CASE ${sql.join(keyColumns.map((k) => sql`WHEN GROUPING(u.${k.name}) = 0 THEN u.${k.name}`), sql` `)} END`
  const sets = (extra: SqlQuery) => sql`GROUPING SETS (${sql.join(keyColumns.map((k) => sql`(u.${k.name}${extra})`), sql`, `)})`
  // Distinct visitors per (dimension, key) without grouping every session by its visitor: a
  // visitor with ONE session that day is one visitor of each of that session's keys, so only
  // the sessions of visitors with several sessions go through a grouping by visitor.
  // Measured (300 site-days of 3,300 events): unpivoting every session and grouping it by
  // (dimension, key, visitor) first was about 40% of the recompute; this and the pages below
  // take the recompute's Postgres CPU from 8.7 to 7.1 s.
  const sessionDimensions = rowsBranch(
    sql`g.${a('dimension')}`,
    sql`g.${a('key')}`,
    {
      bounces: sql`g.${a('bounces')}`,
      pageviews: sql`g.${a('pageviews')}`,
      totalDuration: sql`g.${a('duration')}`,
      visitors: sql`g.${a('single_visitors')} + COALESCE(m.${a('visitors')}, 0)`,
      visits: sql`g.${a('visits')}`,
    },
    sql`FROM (
        SELECT ${setDimension} AS ${a('dimension')}, ${setKey} AS ${a('key')}, sum(u.${a('bounce')}) AS ${a('bounces')},
          sum(u.${a('pageviews')}) AS ${a('pageviews')}, sum(u.${a('duration')}) AS ${a('duration')}, count(*) AS ${a('visits')},
          count(*) FILTER (WHERE u.${a('visitor')} IS NOT NULL AND NOT u.${a('repeat')}) AS ${a('single_visitors')}
        FROM ${keyed(sql``)} GROUP BY ${sets(sql``)}
      ) g LEFT JOIN (
        SELECT x.${a('dimension')}, x.${a('key')}, count(*) AS ${a('visitors')}
        FROM (
          SELECT ${setDimension} AS ${a('dimension')}, ${setKey} AS ${a('key')}
          FROM ${keyed(sql`WHERE s.${a('visitor')} IN (SELECT ${a('visitor')} FROM ${a('repeat_visitors')})`)} GROUP BY ${sets(sql`, u.${a('visitor')}`)}
        ) x GROUP BY x.${a('dimension')}, x.${a('key')}
      ) m ON m.${a('dimension')} = g.${a('dimension')} AND m.${a('key')} = g.${a('key')}
      WHERE g.${a('key')} IS NOT NULL`,
  )

  // Pages: the day's pageviews grouped per (path, session) and per (path, visitor) in one
  // hashed pass, then counted per path (two count(DISTINCT) would sort each path's rows).
  const bySession = sql`GROUPING(${a('session')}) = 0`
  // Sums over (page, session) pairs of `eng_pages`: per page, and over all pages for the total.
  const engagementSums = sql`sum(${a('depth')}) AS ${a('depth')}, count(${a('depth')}) AS ${a('depth_visits')},
    sum(${a('ms')}) AS ${a('ms')}, count(*) FILTER (WHERE ${a('ms')} > 0) AS ${a('engaged_visits')}`
  // Then joined with the pages' engagement (a page may have engagement but no pageview that day).
  const pv = (name: string) => sql`pv.${a(name)}`
  const en = (name: string) => sql`COALESCE(en.${a(name)}, 0)`
  const pages = rowsBranch(
    sql`${'page'}`,
    sql`COALESCE(pv.${a('path')}, en.${a('path')})`,
    {
      engagedMs: en('ms'),
      engagedVisits: en('engaged_visits'),
      pageviews: sql`COALESCE(${pv('pageviews')}, 0)`,
      scrollDepthSum: en('depth'),
      scrollVisits: en('depth_visits'),
      visitors: sql`COALESCE(${pv('visitors')}, 0)`,
      visits: sql`COALESCE(${pv('visits')}, 0)`,
    },
    sql`FROM (
        SELECT ${a('path')}, sum(${a('n')}) FILTER (WHERE ${a('per_session')}) AS ${a('pageviews')},
          count(${a('visitor')}) FILTER (WHERE NOT ${a('per_session')}) AS ${a('visitors')},
          count(${a('session')}) FILTER (WHERE ${a('per_session')}) AS ${a('visits')}
        FROM (
          SELECT ${a('path')}, ${a('session')}, ${a('visitor')}, ${bySession} AS ${a('per_session')}, count(*) AS ${a('n')}
          FROM ev WHERE ${pageview} AND ${a('path')} IS NOT NULL
          GROUP BY GROUPING SETS ((${a('path')}, ${a('session')}), (${a('path')}, ${a('visitor')}))
        ) p GROUP BY ${a('path')}
      ) pv FULL JOIN (
        SELECT ${a('path')}, ${engagementSums} FROM ${a('eng_pages')} GROUP BY ${a('path')}
      ) en ON en.${a('path')} = pv.${a('path')}`,
  )
  const exitPages = rowsBranch(
    sql`${'exitPage'}`,
    a('exit_page'),
    { visitors: sql`count(DISTINCT ${a('visitor')})`, visits: sql`count(*)` },
    sql`FROM sess WHERE ${a('exit_page')} IS NOT NULL GROUP BY ${a('exit_page')}`,
  )
  const customEvents = rowsBranch(
    sql`${'event'}`,
    a('type'),
    { events: sql`count(*)`, visitors: sql`count(DISTINCT ${a('visitor')})` },
    sql`FROM ev WHERE ${a('type')} NOT IN (${sql.join(
      NON_CUSTOM_EVENT_TYPES.map((type) => sql`${type}`),
      sql`, `,
    )}) GROUP BY ${a('type')}`,
  )
  // Goals: each event tested against every goal in one pass over the day's events (`ge`: the
  // converting events, by goal name), then counted, and their revenue per currency summed
  // (`goalRevenue`, key `EUR:Pro signup` as `eventRevenue`'s: the code is 3 letters).
  const goalEvents = sql`SELECT g.${a('name')}, e.${a('visitor')}, e.${a('rev_amount')}, e.${a('rev_currency')}
    FROM ev e, unnest(ARRAY[${sql.join(
      goals.map((goal) => sql`CASE WHEN ${goalPredicate(goal)} THEN ${goal.name}::text END`),
      sql`, `,
    )}]) AS g(${a('name')}) WHERE g.${a('name')} IS NOT NULL`
  const goalRows = goals.length
    ? sql` UNION ALL ${rowsBranch(
        sql`${'goal'}`,
        a('name'),
        { events: sql`count(*)`, visitors: sql`count(DISTINCT ${a('visitor')})` },
        sql`FROM ge GROUP BY ${a('name')}`,
      )} UNION ALL ${rowsBranch(
        sql`${'goalRevenue'}`,
        sql`${a('rev_currency')} || ${':'} || ${a('name')}`,
        { events: sql`count(*)`, revenue: sql`sum(${a('rev_amount')})`, visitors: sql`count(DISTINCT ${a('visitor')})` },
        sql`FROM ge WHERE ${a('rev_currency')} IS NOT NULL AND ${a('rev_amount')} IS NOT NULL GROUP BY ${a('rev_currency')}, ${a('name')}`,
      )}`
    : sql``

  // Listed properties: per key, its values' figures (as `filteredStats.ts` `propValues` counts
  // them), the day's top MAX_PROP_VALUES_PER_DAY values only; key `plan:pro` (`propRowKey`).
  const propRows = props.length
    ? sql` UNION ALL ${rowsBranch(
        sql`${'prop'}`,
        sql`p.${a('k')} || ${':'} || p.${a('v')}`,
        { events: sql`p.${a('events')}`, pageviews: sql`p.${a('pageviews')}`, visitors: sql`p.${a('visitors')}`, visits: sql`p.${a('visits')}` },
        sql`FROM (
            SELECT ${a('k')}, ${a('v')}, count(*) AS ${a('events')}, count(*) FILTER (WHERE ${pageview}) AS ${a('pageviews')},
              count(DISTINCT ${a('visitor')}) AS ${a('visitors')}, count(DISTINCT ${a('session')}) AS ${a('visits')},
              row_number() OVER (PARTITION BY ${a('k')} ORDER BY count(DISTINCT ${a('visitor')}) DESC, count(*) DESC, ${a('v')}) AS ${a('rank')}
            FROM (
              SELECT x.${a('k')}, (e.${a('props')} ->> x.${a('k')}) COLLATE "C" AS ${a('v')}, e.${a('type')}, e.${a('visitor')}, e.${a('session')}
              FROM ev e CROSS JOIN unnest(ARRAY[${sql.join(props.map((key) => sql`${key}`), sql`, `)}]::text[]) AS x(${a('k')})
            ) kv WHERE ${a('v')} IS NOT NULL GROUP BY ${a('k')}, ${a('v')}
          ) p WHERE p.${a('rank')} <= ${MAX_PROP_VALUES_PER_DAY}`,
      )}`
    : sql``

  // Revenue per currency, and per custom event and currency (key `EUR:Purchase`: `eventRevenueKey`).
  const withRevenue = sql`FROM ev WHERE ${a('rev_currency')} IS NOT NULL AND ${a('rev_amount')} IS NOT NULL`
  const revenueMetrics = { events: sql`count(*)`, revenue: sql`sum(${a('rev_amount')})`, visitors: sql`count(DISTINCT ${a('visitor')})` }
  const revenue = rowsBranch(sql`${'revenue'}`, a('rev_currency'), revenueMetrics, sql`${withRevenue} GROUP BY ${a('rev_currency')}`)
  const eventRevenue = rowsBranch(
    sql`${'eventRevenue'}`,
    sql`${a('rev_currency')} || ${':'} || ${a('type')}`,
    revenueMetrics,
    sql`${withRevenue} AND ${a('type')} NOT IN (${sql.join(
      NON_CUSTOM_EVENT_TYPES.map((type) => sql`${type}`),
      sql`, `,
    )}) GROUP BY ${a('rev_currency')}, ${a('type')}`,
  )

  const { changed, insertColumns, updates } = statsUpsertColumns(stats, 'date', tenancy)
  const metricNames = ROLLUP_METRICS.map((metric) => sql`r.${a(metric)}`)
  const tenant = sql`(SELECT ${a('tenant')} FROM ev ORDER BY ${a('ts')} DESC, ${a('eid')} COLLATE "C" DESC LIMIT 1)`
  // The row's date is the local day's label (its UTC midnight), whatever the zone: months and
  // ranges of local days are then plain comparisons of labels.
  const day = sql`${`${pair.day}T00:00:00.000Z`}::timestamptz`

  return sql`
    WITH ev AS MATERIALIZED (${countedEvents}),
    eng AS MATERIALIZED (${eng}),
    ${a('eng_pages')} AS MATERIALIZED (
      SELECT ${a('path')}, ${a('session')}, max(${a('depth')}) AS ${a('depth')}, sum(${a('ms')}) AS ${a('ms')}
      FROM eng GROUP BY ${a('path')}, ${a('session')}
    ),
    ${a('eng_total')} AS (SELECT ${engagementSums} FROM ${a('eng_pages')}),
    sess_paths AS (
      SELECT ${a('session')}, count(*) AS ${a('n')}, count(*) FILTER (WHERE ${pageview}) AS ${a('pageviews')},
        EXTRACT(EPOCH FROM max(${a('ts')}) - min(${a('ts')})) AS ${a('span')},
        max(${a('ts')}) FILTER (WHERE ${pageview}) AS ${a('last_pageview')},
        ${sessionAttributes},
        array_agg(${a('path')} ${inOrder}) FILTER (WHERE ${pageview}) AS ${a('paths')}
      FROM ev WHERE ${a('session')} IS NOT NULL GROUP BY ${a('session')}
    ),
    ${a('sess_tail')} AS MATERIALIZED (
      SELECT g.${a('session')}, sum(g.${a('ms')}) / 1000 AS ${a('tail')}
      FROM eng g JOIN sess_paths sp ON sp.${a('session')} = g.${a('session')}
        AND g.${a('ts')} >= sp.${a('last_pageview')} AND g.${a('path')} = sp.${a('paths')}[cardinality(sp.${a('paths')})]
      GROUP BY g.${a('session')}
    ),
    sess AS MATERIALIZED (
      SELECT sp.*, CASE WHEN sp.${a('n')} = 1 AND sp.${a('pageviews')} = 1 THEN 1 ELSE 0 END AS ${a('bounce')},
        sp.${a('paths')}[1] AS ${a('entry_page')}, sp.${a('paths')}[cardinality(sp.${a('paths')})] AS ${a('exit_page')},
        sp.${a('span')} + COALESCE(t.${a('tail')}, 0) AS ${a('duration')}
      FROM sess_paths sp LEFT JOIN ${a('sess_tail')} t ON t.${a('session')} = sp.${a('session')}
    ),
    ${a('repeat_visitors')} AS (
      SELECT ${a('visitor')} FROM sess WHERE ${a('visitor')} IS NOT NULL GROUP BY ${a('visitor')} HAVING count(*) > 1
    ),${goals.length ? sql`
    ge AS MATERIALIZED (${goalEvents}),` : sql``}
    r (${a('dimension')}, ${a('key')}, ${sql.join(
      ROLLUP_METRICS.map((metric) => a(metric)),
      sql`, `,
    )}) AS (
      ${totals}
      UNION ALL ${sessionDimensions}
      UNION ALL ${pages}
      UNION ALL ${exitPages}
      UNION ALL ${customEvents}${goalRows}${propRows}
      UNION ALL ${revenue}
      UNION ALL ${eventRevenue}
    ),
    up AS (
      INSERT INTO ${stats.ref} AS o (${insertColumns})
      SELECT ${siteId}, ${tenancy ? sql`${tenant}, ` : sql``}${day}, r.${a('dimension')}::${stats.enumType('dimension')}, r.${a('key')},
        ${sql.join(metricNames, sql`, `)}
      FROM r
      ON CONFLICT (${stats.id('site')}, ${stats.id('date')}, ${stats.id('dimension')}, ${stats.id('key')})
        DO UPDATE SET ${updates} WHERE ${changed}
      RETURNING 1
    ),
    gone AS (
      DELETE FROM ${stats.ref} d
      WHERE d.${stats.id('site')} = ${siteId} AND d.${stats.id('date')} = ${day}
        ${args.clearEmpty ? sql`` : sql`AND EXISTS (SELECT 1 FROM ev)`}
        AND NOT EXISTS (
          SELECT 1 FROM r WHERE r.${a('dimension')} = d.${stats.id('dimension')}::text AND r.${a('key')} = d.${stats.id('key')}
        )
      RETURNING 1
    )${
      args.visits
        ? sql`, ${visitRowsCtes({ clearEmpty: args.clearEmpty ?? false, day, siteId, tenant: tenancy && args.visits.has('tenant') ? tenant : null, visits: args.visits })}`
        : sql``
    }
    SELECT (SELECT count(*) FROM up)::int AS ${a('written')}, (SELECT count(*) FROM gone)::int AS ${a('deleted')}`
}
