/**
 * The SQL of filtered stats, goals and properties: read from the raw events of a range (the
 * rollups cannot say which visits came from Google *and* saw /pricing). Semantics (also in
 * docs/explore.md), per site and local day — a visit that crosses midnight is a visit on
 * both days, as in the daily rollups (`src/core/dailyStats.ts`), so a filter that keeps
 * everything gives the rollups' figures:
 *
 * - a visit is kept when it passes every visit-level filter (its first event's source, UTM
 *   tags, country, browser, OS, device; its entry and exit page);
 * - an event matches when it passes every event-level filter (page, hostname, event name,
 *   goal, property) and, with visit-level filters, belongs to a kept visit;
 * - pageviews and events count matching events; visitors are the distinct visitors of
 *   matching events; visits, bounces and durations are those of the kept visits that
 *   contain a matching event (whole visits, as Plausible reports them).
 *
 * Every value is a bound parameter.
 */
import type { Payload } from 'payload'

import type { StatsDimension } from '../core/dimensions.js'
import type { StatsFilter } from '../core/filters.js'
import type { Goal } from '../core/goals.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlName, SqlQuery } from './db.js'
import type { TopKeyRow, TotalCounters } from './statsQueries.js'

import { COUNTED_EVENT_TYPES, ENGAGEMENT, MAX_EVENT_VALUE, NON_CUSTOM_EVENT_TYPES, PAGEVIEW, SUMMED_EVENT_TYPES } from '../core/dailyStats.js'
import { isVisitDimension, matchesFilter, propKeyOf } from '../core/filters.js'
import { pathPatternRegex } from '../core/goals.js'
import { addDays } from '../core/statsRange.js'
import { localMidnight } from '../core/timeZone.js'
import { collectionTable, drizzleOf, sql } from './db.js'

const a = (alias: string) => sql.identifier(alias)

/** A site of the request with its zone and its goals. */
export interface FilteredSite {
  goals: readonly Goal[]
  id: number | string
  timeZone: string
}

export interface FilteredRequest {
  filters: readonly StatsFilter[]
  /** Inclusive local days. */
  from: string
  sites: readonly FilteredSite[]
  to: string
}

/** A goal's figures over a range: conversions (events), unique converting visitors (per day, summed). */
export interface GoalRow {
  conversions: number
  name: string
  visitors: number
}

/** Columns of the events CTE, by the session dimension (or event field) they hold. */
const VISIT_COLUMNS = {
  browser: 'browser',
  country: 'country',
  device: 'device',
  os: 'os',
  source: 'source',
  utmCampaign: 'utm_campaign',
  utmContent: 'utm_content',
  utmMedium: 'utm_medium',
  utmSource: 'utm_source',
  utmTerm: 'utm_term',
} as const
const EVENT_FIELDS = { ...VISIT_COLUMNS, hostname: 'hostname', path: 'path' } as const
const SESSION_COLUMNS = { ...VISIT_COLUMNS, entryPage: 'entry_page', exitPage: 'exit_page' } as const

/** A filter's test of one text expression (null counts as ''). */
function filterPredicate(filter: Pick<StatsFilter, 'op' | 'values'>, expression: SqlQuery): SqlQuery {
  const value = sql`COALESCE(${expression}, '')`
  const any =
    filter.op === 'is' || filter.op === 'is_not'
      ? sql`${value} IN (${sql.join(filter.values.map((v) => sql`${v}`), sql`, `)})`
      : sql`(${sql.join(filter.values.map((v) => sql`strpos(${value}, ${v}) > 0`), sql` OR `)})`
  return filter.op === 'is' || filter.op === 'contains' ? any : sql`NOT ${any}`
}

/**
 * Whether the event row (alias `e` of the events CTE, or a row of the events table) converts
 * for a goal. A pattern without `*` is one path: an equality, which the events' (site, path,
 * timestamp) index answers.
 */
export function goalPredicate(goal: Goal, row = 'e'): SqlQuery {
  const col = (name: string) => sql`${a(row)}.${a(name)}`
  const page = goal.page?.trim() ?? ''
  const path = page.includes('*') ? sql`COALESCE(${col('path')}, '') ~ ${pathPatternRegex(page)}` : sql`${col('path')} = ${page}`
  const base = goal.event !== undefined ? sql`${col('type')} = ${goal.event}` : sql`${col('type')} = ${PAGEVIEW} AND ${path}`
  return goal.prop ? sql`(${base} AND ${col('props')} ->> ${goal.prop.key} = ${goal.prop.value})` : sql`(${base})`
}

/** `goal` filters: the goals of each site whose name passes, any of them. */
function goalFilterPredicate(filter: StatsFilter, sites: readonly FilteredSite[]): SqlQuery {
  const positive = { op: filter.op === 'is_not' ? 'is' : filter.op === 'contains_not' ? 'contains' : filter.op, values: filter.values } as const
  const branches = sites.flatMap((site) =>
    site.goals.filter((goal) => matchesFilter(positive, goal.name)).map((goal) => sql`(e.${a('site')} = ${String(site.id)} AND ${goalPredicate(goal)})`),
  )
  const any = branches.length ? sql`(${sql.join(branches, sql` OR `)})` : sql`false`
  return positive.op === filter.op ? any : sql`NOT ${any}`
}

function eventFilterPredicate(filter: StatsFilter, sites: readonly FilteredSite[]): SqlQuery {
  const prop = propKeyOf(filter.dimension)
  if (prop !== null) return filterPredicate(filter, sql`e.${a('props')} ->> ${prop}`)
  switch (filter.dimension) {
    case 'event':
      return filterPredicate(filter, sql`e.${a('type')}`)
    case 'goal':
      return goalFilterPredicate(filter, sites)
    case 'hostname':
      return filterPredicate(filter, sql`e.${a('hostname')}`)
    default:
      return filterPredicate(filter, sql`e.${a('path')}`)
  }
}

const andAll = (parts: SqlQuery[]): SqlQuery => (parts.length ? sql.join(parts, sql` AND `) : sql`true`)

/**
 * The CTEs every filtered question starts from: `fe` the range's counted events of the sites
 * (with their local day), `sess` the visits (per site, day and session), `me` the matching
 * events and `vs` the visits that count.
 */
function filteredCtes(events: CollectionTable, request: FilteredRequest, withProps: boolean): SqlQuery {
  const e = events
  const col = (field: string) => sql`x.${e.id(field)}`
  const spans = request.sites.map((site) => ({
    end: localMidnight(addDays(request.to, 1), site.timeZone).toISOString(),
    id: String(site.id),
    start: localMidnight(request.from, site.timeZone).toISOString(),
    timeZone: site.timeZone,
  }))
  const zones = sql.join(
    spans.map((span) => sql`(${span.id}, ${span.timeZone}, ${span.start}::timestamptz, ${span.end}::timestamptz)`),
    sql`, `,
  )
  // The union of the sites' spans as constants, so the (site, timestamp) index bounds the scan.
  const bounds = { end: spans.map((span) => span.end).reduce((x, y) => (y > x ? y : x)), start: spans.map((span) => span.start).reduce((x, y) => (y < x ? y : x)) }
  const texts = Object.entries(EVENT_FIELDS).map(([field, alias]) => sql`NULLIF(${col(field)}${field === 'device' ? sql`::text` : sql``}, '') COLLATE "C" AS ${a(alias)}`)
  const visitFilters = request.filters.filter((filter) => isVisitDimension(filter.dimension))
  const eventFilters = request.filters.filter((filter) => !isVisitDimension(filter.dimension))
  const inOrder = sql`ORDER BY ${a('ts')}, ${a('eid')} COLLATE "C"`
  const firstOf = (alias: string) => sql`(array_agg(${a(alias)} ${inOrder}))[1] AS ${a(alias)}`
  const sessionKey = sql`${a('site')}, ${a('day')}, ${a('session')}`
  // A visit's attributes are its first event's and its entry / exit pages are its pageviews'
  // paths: a visit can pass a positive filter (is, contains) only if one of its events carries
  // a passing value. Those visits are found with one hashed pass, and only their events are
  // sorted into visits — the sort is most of a filtered question's cost.
  const narrowing = visitFilters
    .filter((filter) => filter.op === 'is' || filter.op === 'contains')
    .map((filter) => {
      const page = filter.dimension === 'entryPage' || filter.dimension === 'exitPage'
      const column = page ? a('path') : a(VISIT_COLUMNS[filter.dimension as keyof typeof VISIT_COLUMNS])
      return sql`SELECT ${sessionKey} FROM fe WHERE ${a('session')} IS NOT NULL AND ${filterPredicate(filter, sql`${column}`)}${page ? sql` AND ${a('type')} = ${PAGEVIEW}` : sql``}`
    })
  const visitEvents = narrowing.length
    ? sql`fe WHERE (${sessionKey}) IN (${sql.join(narrowing, sql` INTERSECT `)})`
    : sql`fe WHERE ${a('session')} IS NOT NULL`
  const keptVisit = andAll(visitFilters.map((filter) => filterPredicate(filter, sql`s.${a(SESSION_COLUMNS[filter.dimension as keyof typeof SESSION_COLUMNS])}`)))
  const matching = andAll(eventFilters.map((filter) => eventFilterPredicate(filter, request.sites)))
  // Sites of one zone (the usual case) share one span: no join with the zones, a constant zone.
  const oneZone = new Set(spans.map((span) => span.timeZone)).size === 1
  const zone = oneZone ? sql`${spans[0]!.timeZone}` : sql`z.${a('tz')}`
  // The local day as a date (grouped and compared as such; written as text only in the answers).
  return sql`
    z (${a('site')}, ${a('tz')}, ${a('start')}, ${a('end')}) AS (VALUES ${zones}),
    fe AS MATERIALIZED (
      SELECT x.${e.id('site')}::text AS ${a('site')}, (x.${e.id('timestamp')} AT TIME ZONE ${zone})::date AS ${a('day')},
        x.${e.id('type')} COLLATE "C" AS ${a('type')}, ${sql.join(texts, sql`, `)},
        NULLIF(${col('visitorHash')}, '') AS ${a('visitor')}, NULLIF(${col('sessionId')}, '') AS ${a('session')},
        ${col('value')} AS ${a('value')}, ${col('revenueAmount')} AS ${a('rev_amount')}, NULLIF(${col('revenueCurrency')}, '') AS ${a('rev_currency')}, ${withProps ? col('props') : sql`NULL::jsonb`} AS ${a('props')}, ${col('timestamp')} AS ${a('ts')}, ${col('eventId')} AS ${a('eid')}
      FROM ${e.ref} x${oneZone ? sql`` : sql` JOIN z ON x.${e.id('site')}::text = z.${a('site')}`}
      WHERE x.${e.id('site')} IN (${sql.join(request.sites.map((site) => sql`${String(site.id)}`), sql`, `)})
        AND x.${e.id('timestamp')} >= ${bounds.start}::timestamptz AND x.${e.id('timestamp')} < ${bounds.end}::timestamptz
        ${oneZone ? sql`` : sql`AND x.${e.id('timestamp')} >= z.${a('start')} AND x.${e.id('timestamp')} < z.${a('end')}`} AND x.${e.id('type')} <> ${ENGAGEMENT}
    ),
    sess AS MATERIALIZED (
      SELECT ${sessionKey}, ${sql.join(['visitor', ...Object.values(VISIT_COLUMNS)].map(firstOf), sql`, `)},
        count(*) AS ${a('n')}, count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW}) AS ${a('pageviews')},
        EXTRACT(EPOCH FROM max(${a('ts')}) - min(${a('ts')})) AS ${a('duration')},
        array_agg(${a('path')} ${inOrder}) FILTER (WHERE ${a('type')} = ${PAGEVIEW}) AS ${a('paths')}
      FROM ${visitEvents} GROUP BY ${sessionKey}
    ),
    ks AS MATERIALIZED (
      SELECT s.* FROM (
        SELECT p.*, p.${a('paths')}[1] AS ${a('entry_page')}, p.${a('paths')}[cardinality(p.${a('paths')})] AS ${a('exit_page')} FROM sess p
      ) s WHERE ${keptVisit}
    ),
    me AS MATERIALIZED (
      SELECT e.* FROM fe e WHERE ${matching}
        ${visitFilters.length ? sql`AND (e.${a('site')}, e.${a('day')}, e.${a('session')}) IN (SELECT ${sessionKey} FROM ks)` : sql``}
    ),
    vs AS MATERIALIZED (
      SELECT s.*, CASE WHEN s.${a('n')} = 1 AND s.${a('pageviews')} = 1 THEN 1 ELSE 0 END AS ${a('bounce')},
        COALESCE(m.${a('mpv')}, 0) AS ${a('mpv')}
      FROM ks s ${eventFilters.length ? sql`JOIN` : sql`LEFT JOIN`} (
        SELECT ${sessionKey}, count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW}) AS ${a('mpv')} FROM me WHERE ${a('session')} IS NOT NULL GROUP BY ${sessionKey}
      ) m USING (${sessionKey})
    )`
}

/**
 * A visitor of one site's local day: hashes rotate daily, so visitors over a range are summed
 * per site and day (as the rollups).
 */
const dayVisitor = (row = 'e') => {
  const col = (name: string) => sql`${a(row)}.${a(name)}`
  return sql`CASE WHEN ${col('visitor')} IS NOT NULL THEN ${col('site')} || ${'|'} || ${col('day')} || ${'|'} || ${col('visitor')} END`
}

/** Whether filters test properties (a goal may test one): properties are carried along only then, they are most of a row's bytes. */
const filtersReadProps = (filters: readonly StatsFilter[]): boolean => filters.some((filter) => filter.dimension === 'goal' || propKeyOf(filter.dimension) !== null)

/**
 * The CTEs of a filtered request, for a question answered elsewhere (the funnel) to start from:
 * `vs` holds the visits that count (`site`, `day`, `session`). Run them with nested loops off,
 * as `run` does.
 */
export function filteredVisitsCtes(payload: Payload, cfg: SanitizedAnalyticsConfig, request: FilteredRequest): SqlQuery {
  return filteredCtes(collectionTable(payload, cfg.slugs.events), request, filtersReadProps(request.filters))
}

const NUMERIC_COUNTERS = ['aiTokens', 'automationRuns', 'bounces', 'events', 'exports', 'forms', 'leads', 'pageviews', 'totalDuration', 'visitors', 'visits'] as const

export interface FilteredStore {
  /** Per (site, day): the counters of the `total` row, as if the rollups held the filtered events only. */
  totalsByDay(request: FilteredRequest): Promise<Array<TotalCounters & { day: string; siteId: string }>>
  /** Per (site, day): matching custom events by name (all names, or the given ones). */
  customEventsByDay(request: FilteredRequest, names: null | string[]): Promise<Array<{ day: string; events: number; key: string; siteId: string }>>
  /** Breakdowns over the filtered events, ranked as `StatsStore.topKeys`. */
  topKeys(request: FilteredRequest, dimensions: StatsDimension[], limit: number): Promise<TopKeyRow[]>
  /** Per goal of the sites (by name, summed over sites): conversions and converting visitors among the matching events. */
  goals(request: FilteredRequest): Promise<GoalRow[]>
  /**
   * Revenue of the matching events per currency (`goal` null), and per goal of the sites and
   * currency (`goals`: those goals only; none: no per-goal rows). Exact decimal text.
   */
  revenue(request: FilteredRequest, goals?: ReadonlyArray<{ goal: Goal; siteId: number | string }>): Promise<Array<{ amount: string; currency: string; goal: null | string }>>
  /** A property's values among matching events (custom events and pageviews), ranked by visitors then events. */
  propValues(request: FilteredRequest, key: string, limit: number): Promise<TopKeyRow[]>
  /** The property keys most used by matching events: events carrying each, most first. */
  propKeys(request: FilteredRequest, limit: number): Promise<Array<{ events: number; key: string }>>
}

export function createFilteredStore(payload: Payload, cfg: SanitizedAnalyticsConfig): FilteredStore {
  let events: CollectionTable | null = null
  const table = () => (events ??= collectionTable(payload, cfg.slugs.events))
  /** One statement, planned without nested loops over the CTEs (their sizes are guesses; see `recomputeDailyStats.ts`). */
  const run = async <T>(request: FilteredRequest, body: SqlQuery, readsProps = false): Promise<T[]> => {
    if (request.sites.length === 0) return []
    const withProps = readsProps || filtersReadProps(request.filters)
    return drizzleOf(payload).transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_nestloop = off`)
      await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
      return (await tx.execute(sql`WITH ${filteredCtes(table(), request, withProps)} ${body}`)).rows as T[]
    })
  }

  return {
    async customEventsByDay(request, names) {
      if (names?.length === 0) return []
      const only = names ? sql` AND ${a('type')} IN (${sql.join(names.map((name) => sql`${name}`), sql`, `)})` : sql``
      const rows = await run<{ day: string; events: number; key: string; site: string }>(
        request,
        sql`SELECT ${a('site')}, to_char(${a('day')}, 'YYYY-MM-DD') AS ${a('day')}, ${a('type')} AS ${a('key')}, count(*)::float8 AS ${a('events')}
          FROM me WHERE ${a('type')} NOT IN (${sql.join(NON_CUSTOM_EVENT_TYPES.map((type) => sql`${type}`), sql`, `)})${only}
          GROUP BY ${a('site')}, me.${a('day')}, ${a('type')}`,
      )
      return rows.map((row) => ({ day: row.day, events: Number(row.events), key: row.key, siteId: String(row.site) }))
    },

    async goals(request) {
      const goals = request.sites.flatMap((site) => site.goals.map((goal) => ({ goal, site })))
      if (goals.length === 0) return []
      const branches = goals.map(
        ({ goal, site }) =>
          sql`SELECT ${goal.name}::text AS ${a('name')}, count(*)::float8 AS ${a('conversions')}, count(DISTINCT ${dayVisitor('e')})::float8 AS ${a('visitors')}
            FROM me e WHERE e.${a('site')} = ${String(site.id)} AND ${goalPredicate(goal)}`,
      )
      const rows = await run<{ conversions: number; name: string; visitors: number }>(
        request,
        sql`SELECT ${a('name')}, sum(${a('conversions')})::float8 AS ${a('conversions')}, sum(${a('visitors')})::float8 AS ${a('visitors')}
          FROM (${sql.join(branches, sql` UNION ALL `)}) g GROUP BY ${a('name')}`,
        goals.some(({ goal }) => goal.prop !== undefined),
      )
      return rows.map((row) => ({ conversions: Number(row.conversions), name: row.name, visitors: Number(row.visitors) }))
    },

    async revenue(request, goals = []) {
      const withRevenue = sql`e.${a('rev_currency')} IS NOT NULL AND e.${a('rev_amount')} IS NOT NULL`
      const branches = [
        sql`SELECT NULL::text AS ${a('goal')}, e.${a('rev_currency')} AS ${a('currency')}, sum(e.${a('rev_amount')}) AS ${a('amount')} FROM me e WHERE ${withRevenue} GROUP BY 2`,
        ...goals.map(
          ({ goal, siteId }) =>
            sql`SELECT ${goal.name}::text, e.${a('rev_currency')}, sum(e.${a('rev_amount')}) FROM me e WHERE ${withRevenue} AND e.${a('site')} = ${String(siteId)} AND ${goalPredicate(goal)} GROUP BY 2`,
        ),
      ]
      const rows = await run<{ amount: string; currency: string; goal: null | string }>(
        request,
        sql`SELECT ${a('goal')}, ${a('currency')}, sum(${a('amount')})::text AS ${a('amount')} FROM (${sql.join(branches, sql` UNION ALL `)}) g GROUP BY 1, 2`,
        goals.some(({ goal }) => goal.prop !== undefined),
      )
      return rows.map((row) => ({ amount: String(row.amount), currency: String(row.currency), goal: row.goal }))
    },

    async propKeys(request, limit) {
      const rows = await run<{ events: number; key: string }>(
        request,
        sql`SELECT k.${a('key')}, count(*)::float8 AS ${a('events')}
          FROM me e, jsonb_object_keys(CASE WHEN jsonb_typeof(e.${a('props')}) = 'object' THEN e.${a('props')} ELSE '{}'::jsonb END) AS k(${a('key')})
          GROUP BY 1 ORDER BY 2 DESC, k.${a('key')} COLLATE "C" LIMIT ${limit}`,
        true,
      )
      return rows.map((row) => ({ events: Number(row.events), key: row.key }))
    },

    async propValues(request, key, limit) {
      const rows = await run<Record<string, number | string>>(
        request,
        sql`SELECT e.${a('value_text')} AS ${a('key')}, count(DISTINCT ${dayVisitor('e')})::float8 AS ${a('visitors')},
            count(DISTINCT CASE WHEN e.${a('session')} IS NOT NULL THEN e.${a('site')} || ${'|'} || e.${a('day')} || ${'|'} || e.${a('session')} END)::float8 AS ${a('visits')},
            (count(*) FILTER (WHERE e.${a('type')} = ${PAGEVIEW}))::float8 AS ${a('pageviews')}, count(*)::float8 AS ${a('events')}
          FROM (SELECT m.*, m.${a('props')} ->> ${key} AS ${a('value_text')} FROM me m) e WHERE e.${a('value_text')} IS NOT NULL
          GROUP BY e.${a('value_text')} ORDER BY ${a('visitors')} DESC, ${a('events')} DESC, e.${a('value_text')} COLLATE "C" LIMIT ${limit}`,
        true,
      )
      return rows.map((row) => topKeyRow(`prop:${key}` as StatsDimension, row))
    },

    async topKeys(request, dimensions, limit) {
      if (dimensions.length === 0) return []
      const branch = (dimension: StatsDimension): SqlQuery => {
        const visits = sql`count(DISTINCT CASE WHEN ${a('session')} IS NOT NULL THEN ${a('site')} || ${'|'} || ${a('day')} || ${'|'} || ${a('session')} END)`
        const row = (key: SqlName, visitors: SqlQuery, visitCount: SqlQuery, pageviews: SqlQuery, eventCount: SqlQuery, from: SqlQuery) =>
          sql`SELECT ${dimension}::text AS ${a('dimension')}, ${key} AS ${a('key')}, (${visitors})::float8 AS ${a('visitors')}, (${visitCount})::float8 AS ${a('visits')},
            (${pageviews})::float8 AS ${a('pageviews')}, (${eventCount})::float8 AS ${a('events')} ${from}`
        switch (dimension) {
          case 'page':
            return row(a('path'), sql`count(DISTINCT ${dayVisitor('u')})`, visits, sql`count(*)`, sql`0`, sql`FROM me u WHERE ${a('type')} = ${PAGEVIEW} AND ${a('path')} IS NOT NULL GROUP BY ${a('path')}`)
          case 'event':
            return row(
              a('type'),
              sql`count(DISTINCT ${dayVisitor('u')})`,
              sql`0`,
              sql`0`,
              sql`count(*)`,
              sql`FROM me u WHERE ${a('type')} NOT IN (${sql.join(NON_CUSTOM_EVENT_TYPES.map((type) => sql`${type}`), sql`, `)}) GROUP BY ${a('type')}`,
            )
          case 'exitPage':
            return row(a('exit_page'), sql`count(DISTINCT ${dayVisitor('u')})`, sql`count(*)`, sql`0`, sql`0`, sql`FROM vs u WHERE ${a('exit_page')} IS NOT NULL GROUP BY ${a('exit_page')}`)
          default: {
            const column = a(SESSION_COLUMNS[dimension as keyof typeof SESSION_COLUMNS])
            // Direct traffic is a row of its own ('' = Direct / None), as in the rollups.
            const key = dimension === 'source' ? sql`COALESCE(${column}, '')` : column
            return row(key, sql`count(DISTINCT ${dayVisitor('u')})`, sql`count(*)`, sql`sum(${a('mpv')})`, sql`0`, sql`FROM vs u WHERE ${key} IS NOT NULL GROUP BY 2`)
          }
        }
      }
      const eventsFirst = dimensions.includes('event') ? sql`CASE WHEN u.${a('dimension')} = ${'event'} THEN u.${a('events')} END DESC NULLS LAST,` : sql``
      const rows = await run<Record<string, number | string>>(
        request,
        sql`SELECT * FROM (
            SELECT u.*, row_number() OVER (
              PARTITION BY u.${a('dimension')}
              ORDER BY ${eventsFirst} u.${a('visitors')} DESC, u.${a('visits')} DESC, u.${a('pageviews')} DESC, u.${a('events')} DESC, u.${a('key')} COLLATE "C"
            ) AS ${a('rank')}
            FROM (${sql.join(dimensions.map(branch), sql` UNION ALL `)}) u
          ) ranked WHERE ${a('rank')} <= ${limit} ORDER BY ${a('dimension')}, ${a('rank')}`,
      )
      return rows.map((row) => topKeyRow(row.dimension as StatsDimension, row))
    },

    async totalsByDay(request) {
      const counted = Object.entries(COUNTED_EVENT_TYPES).map(([type, metric]) => sql`(count(*) FILTER (WHERE ${a('type')} = ${type}))::float8 AS ${a(metric)}`)
      const summed = Object.entries(SUMMED_EVENT_TYPES).map(
        ([type, metric]) => sql`COALESCE(sum(LEAST(GREATEST(${a('value')}, 0), ${MAX_EVENT_VALUE})) FILTER (WHERE ${a('type')} = ${type}), 0)::float8 AS ${a(metric)}`,
      )
      const rows = await run<Record<string, number | string>>(
        request,
        sql`SELECT COALESCE(ev.${a('site')}, v.${a('site')}) AS ${a('site')}, to_char(COALESCE(ev.${a('day')}, v.${a('day')}), 'YYYY-MM-DD') AS ${a('day')},
            COALESCE(ev.${a('events')}, 0) AS ${a('events')}, COALESCE(ev.${a('pageviews')}, 0) AS ${a('pageviews')}, COALESCE(ev.${a('visitors')}, 0) AS ${a('visitors')},
            ${sql.join(
              [...Object.values(COUNTED_EVENT_TYPES), ...Object.values(SUMMED_EVENT_TYPES)].map((metric) => sql`COALESCE(ev.${a(metric)}, 0) AS ${a(metric)}`),
              sql`, `,
            )},
            COALESCE(v.${a('visits')}, 0) AS ${a('visits')}, COALESCE(v.${a('bounces')}, 0) AS ${a('bounces')}, COALESCE(v.${a('total_duration')}, 0) AS ${a('totalDuration')}
          FROM (
            SELECT ${a('site')}, ${a('day')}, count(*)::float8 AS ${a('events')}, (count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW}))::float8 AS ${a('pageviews')},
              count(DISTINCT ${a('visitor')})::float8 AS ${a('visitors')}, ${sql.join([...counted, ...summed], sql`, `)}
            FROM me GROUP BY 1, 2
          ) ev FULL JOIN (
            SELECT ${a('site')}, ${a('day')}, count(*)::float8 AS ${a('visits')}, sum(${a('bounce')})::float8 AS ${a('bounces')}, sum(${a('duration')})::float8 AS ${a('total_duration')}
            FROM vs GROUP BY 1, 2
          ) v ON v.${a('site')} = ev.${a('site')} AND v.${a('day')} = ev.${a('day')}`,
      )
      return rows.map((row) => ({
        ...(Object.fromEntries(NUMERIC_COUNTERS.map((name) => [name, Number(row[name] ?? 0)])) as Record<(typeof NUMERIC_COUNTERS)[number], number>),
        day: String(row.day),
        // Engagement (time on page, scroll depth) is not read under filters: see docs/explore.md.
        engagedMs: 0,
        engagedVisits: 0,
        scrollDepthSum: 0,
        scrollVisits: 0,
        siteId: String(row.site),
      }))
    },
  }
}

function topKeyRow(dimension: StatsDimension, row: Record<string, number | string>): TopKeyRow {
  return {
    dimension,
    engagedMs: 0,
    engagedVisits: 0,
    events: Number(row.events),
    key: row.key === null ? '' : String(row.key),
    pageviews: Number(row.pageviews),
    scrollDepthSum: 0,
    scrollVisits: 0,
    visitors: Number(row.visitors),
    visits: Number(row.visits),
  }
}
