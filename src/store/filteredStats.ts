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
import type { VisitAttribute } from './visitRows.js'

import { COUNTED_EVENT_TYPES, ENGAGEMENT, MAX_EVENT_VALUE, NON_CUSTOM_EVENT_TYPES, PAGEVIEW, SUMMED_EVENT_TYPES } from '../core/dailyStats.js'
import { isVisitDimension, matchesFilter, propKeyOf } from '../core/filters.js'
import { pathPatternRegex } from '../core/goals.js'
import { addDays } from '../core/statsRange.js'
import { localMidnight } from '../core/timeZone.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { checkVisitsCovered } from './visitCoverage.js'
import { VISIT_ATTRIBUTE_COLUMNS } from './visitRows.js'

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

/** Text columns of the raw events the matching events carry, by their alias. */
const EVENT_FIELDS = { hostname: 'hostname', path: 'path' } as const

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
 * A visit filter's test of a column of the visits table. `is` with non-empty values is a plain
 * `IN`, which the (site, source, day) index answers; the rest as `filterPredicate`.
 */
function visitFilterPredicate(filter: StatsFilter, column: SqlQuery): SqlQuery {
  if (filter.op !== 'is') return filterPredicate(filter, column)
  const values = filter.values.filter((value) => value !== '')
  const parts = [
    ...(values.length ? [sql`${column} IN (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`] : []),
    ...(values.length < filter.values.length ? [sql`${column} IS NULL`] : []),
  ]
  return sql`(${sql.join(parts, sql` OR `)})`
}

/**
 * How a filtered question is answered. `visits`: from the visits table alone — the filters are
 * all visit-level and the question needs no event but what a visit row counts (its events,
 * pageviews, types, values, revenue). `pages`: from the visits table alone too, under visit
 * filters and page filters: a visit row's `pages` counts its events per path, so the events on
 * matching paths are counted without reading them. `events`: the matching events are read from
 * the raw events (with the kept visits as a semi-join), the visits they belong to from the
 * visits table.
 */
type Source = 'events' | 'pages' | 'visits'

/**
 * The CTEs every filtered question starts from: `kv` the visits of the range that pass every
 * visit-level filter (from the visits table, `visitRows.ts`), `vs` those that count (with
 * `mpv`, their matching pageviews) and, reading events, `me` the matching events of the range
 * (counted events, with their local day).
 */
/**
 * What every event a body counts has, so `me` holds only such events: a type among `types` (read
 * through the (site, type, timestamp) index), revenue (`withRevenue`). A goal converts only on its
 * type's events, and a revenue sum reads only events with revenue — a small share of a range.
 */
interface EventNarrowing {
  types?: readonly string[]
  withRevenue?: boolean
}

function filteredCtes(tables: { events: CollectionTable; visits: CollectionTable }, request: FilteredRequest, withProps: boolean, source: Source, narrow: EventNarrowing = {}): SqlQuery {
  const { events: e, visits: v } = tables
  const col = (field: string) => sql`x.${e.id(field)}`
  const spans = request.sites.map((site) => ({
    end: localMidnight(addDays(request.to, 1), site.timeZone).toISOString(),
    id: String(site.id),
    start: localMidnight(request.from, site.timeZone).toISOString(),
    timeZone: site.timeZone,
  }))
  const siteList = sql.join(request.sites.map((site) => sql`${String(site.id)}`), sql`, `)
  const visitFilters = request.filters.filter((filter) => isVisitDimension(filter.dimension))
  const eventFilters = request.filters.filter((filter) => !isVisitDimension(filter.dimension))
  const sessionKey = sql`${a('site')}, ${a('day')}, ${a('session')}`
  const vc = (field: string) => sql`y.${v.id(field)}`
  const attributes = Object.entries(VISIT_ATTRIBUTE_COLUMNS).map(([field, alias]) => sql`${vc(field)} AS ${a(alias)}`)
  const keptVisit = andAll(visitFilters.map((filter) => visitFilterPredicate(filter, vc(filter.dimension))))
  // A positive visit filter (is, contains) usually keeps a small share of the visits: their
  // events are then fetched by primary key (the ids each visit row lists) instead of reading
  // every event of the range.
  const byIds = source === 'events' && visitFilters.some((filter) => filter.op === 'is' || filter.op === 'contains')
  const idType = { bigserial: sql`bigint`, serial: sql`integer` }[e.sqlType('id')] ?? e.idType('id')
  // The visits of the range: rows of the local days' labels (as the rollups' dates).
  const kv = sql`
    SELECT ${vc('site')}::text AS ${a('site')}, (${vc('day')} AT TIME ZONE 'UTC')::date AS ${a('day')}, ${vc('session')} AS ${a('session')},
      ${vc('visitor')} AS ${a('visitor')}, ${vc('visitors')} AS ${a('visitors')}, ${vc('events')} AS ${a('n')}, ${vc('pageviews')} AS ${a('pageviews')},
      ${vc('duration')} AS ${a('duration')}, CASE WHEN ${vc('bounce')} THEN 1 ELSE 0 END AS ${a('bounce')}, ${sql.join(attributes, sql`, `)}
      ${source === 'visits' ? sql`, ${vc('types')} AS ${a('types')}, ${vc('valueSums')} AS ${a('value_sums')}, ${vc('revenue')} AS ${a('revenue')}` : sql``}
      ${byIds ? sql`, ${vc('eventIds')} AS ${a('event_ids')}` : sql``}${source === 'pages' ? sql`, ${vc('pages')} AS ${a('pages')}` : sql``}
    FROM ${v.ref} y
    WHERE ${vc('site')} IN (${siteList}) AND ${vc('day')} >= ${`${request.from}T00:00:00.000Z`}::timestamptz AND ${vc('day')} <= ${`${request.to}T00:00:00.000Z`}::timestamptz
      AND ${keptVisit}`
  if (source === 'visits') {
    return sql`
    kv AS MATERIALIZED (${kv}),
    vs AS (SELECT kv.*, kv.${a('pageviews')} AS ${a('mpv')} FROM kv)`
  }
  if (source === 'pages') {
    // `vs` the kept visits with one or more matching paths, with those paths' events (`mn`),
    // pageviews (`mpv`), figures beyond counts (`extras`: types, values, revenue) and, for a
    // visit of several visitors, visitor lists (`us`): one pass over each visit's pages.
    const onPath = andAll(eventFilters.map((filter) => filterPredicate(filter, sql`p.${a('path')}`)))
    // A path's figures are a number (its pageviews, when they are all its events) or an object.
    const f = sql`p.${a('f')}`
    const pageOnly = sql`CASE WHEN jsonb_typeof(${f}) = 'number' THEN ${f} #>> '{}' END`
    return sql`
    kv AS NOT MATERIALIZED (${kv}),
    vs AS MATERIALIZED (
      SELECT kv.*, m.${a('mn')}, m.${a('mpv')}, m.${a('extras')}, m.${a('us')}
      FROM kv, LATERAL (
        SELECT sum(COALESCE(${f} ->> 'n', ${pageOnly})::numeric) AS ${a('mn')}, COALESCE(sum(COALESCE(${f} ->> 'p', ${pageOnly})::numeric), 0) AS ${a('mpv')},
          jsonb_agg(p.${a('f')}) FILTER (WHERE p.${a('f')} ?| ARRAY['t', 'v', 'r']) AS ${a('extras')},
          jsonb_agg(p.${a('f')} -> 'u') FILTER (WHERE p.${a('f')} ? 'u') AS ${a('us')}
        FROM jsonb_each(kv.${a('pages')}) AS p(${a('path')}, ${a('f')}) WHERE ${onPath}
      ) m
      WHERE m.${a('mn')} IS NOT NULL
    )`
  }

  const zones = sql.join(
    spans.map((span) => sql`(${span.id}, ${span.timeZone}, ${span.start}::timestamptz, ${span.end}::timestamptz)`),
    sql`, `,
  )
  // The union of the sites' spans as constants, so the (site, timestamp) index bounds the scan.
  const bounds = { end: spans.map((span) => span.end).reduce((x, y) => (y > x ? y : x)), start: spans.map((span) => span.start).reduce((x, y) => (y < x ? y : x)) }
  const texts = Object.entries(EVENT_FIELDS).map(([field, alias]) => sql`NULLIF(${col(field)}, '') COLLATE "C" AS ${a(alias)}`)
  const matching = andAll(eventFilters.map((filter) => eventFilterPredicate(filter, request.sites)))
  // Sites of one zone (the usual case) share one span: no join with the zones, a constant zone.
  const oneZone = new Set(spans.map((span) => span.timeZone)).size === 1
  const zone = oneZone ? sql`${spans[0]!.timeZone}` : sql`z.${a('tz')}`
  // The local day as a date (grouped and compared as such; written as text only in the answers).
  // `fe` is referenced once, so Postgres folds it into `me`: the filters are tested in the scan.
  return sql`
    z (${a('site')}, ${a('tz')}, ${a('start')}, ${a('end')}) AS (VALUES ${zones}),
    kv AS ${byIds ? sql`MATERIALIZED` : sql`NOT MATERIALIZED`} (${kv}),
    fe AS (
      SELECT x.${e.id('site')}::text AS ${a('site')}, (x.${e.id('timestamp')} AT TIME ZONE ${zone})::date AS ${a('day')},
        x.${e.id('type')} COLLATE "C" AS ${a('type')}, ${sql.join(texts, sql`, `)},
        NULLIF(${col('visitorHash')}, '') AS ${a('visitor')}, NULLIF(${col('sessionId')}, '') AS ${a('session')},
        ${col('value')} AS ${a('value')}, ${col('revenueAmount')} AS ${a('rev_amount')}, NULLIF(${col('revenueCurrency')}, '') AS ${a('rev_currency')}, ${withProps ? col('props') : sql`NULL::jsonb`} AS ${a('props')}, ${col('timestamp')} AS ${a('ts')}, ${col('eventId')} AS ${a('eid')}
      FROM ${e.ref} x${oneZone ? sql`` : sql` JOIN z ON x.${e.id('site')}::text = z.${a('site')}`}
      WHERE x.${e.id('site')} IN (${siteList})
        AND x.${e.id('timestamp')} >= ${bounds.start}::timestamptz AND x.${e.id('timestamp')} < ${bounds.end}::timestamptz
        ${oneZone ? sql`` : sql`AND x.${e.id('timestamp')} >= z.${a('start')} AND x.${e.id('timestamp')} < z.${a('end')}`} AND x.${e.id('type')} <> ${ENGAGEMENT}
        ${narrow.types ? sql`AND ${col('type')} IN (${sql.join(narrow.types.map((type) => sql`${type}`), sql`, `)})` : sql``}
        ${narrow.withRevenue ? sql`AND ${col('revenueAmount')} IS NOT NULL AND NULLIF(${col('revenueCurrency')}, '') IS NOT NULL` : sql``}
        ${byIds ? sql`AND x.${e.id('id')} = ANY(ARRAY(SELECT i.${a('id')}::${idType} FROM kv, jsonb_array_elements_text(kv.${a('event_ids')}) AS i(${a('id')})))` : sql``}
    ),
    me AS MATERIALIZED (
      SELECT e.* FROM fe e WHERE ${matching}
        ${visitFilters.length ? sql`AND (e.${a('site')}, e.${a('day')}, e.${a('session')}) IN (SELECT ${sessionKey} FROM kv)` : sql``}
    ),
    vs AS MATERIALIZED (
      SELECT s.*, COALESCE(m.${a('mpv')}, 0) AS ${a('mpv')}
      FROM kv s ${eventFilters.length ? sql`JOIN` : sql`LEFT JOIN`} (
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

/** The counters of a (site, day) besides those per event type. */
const DAY_COUNTERS = ['bounces', 'events', 'pageviews', 'totalDuration', 'visitors', 'visits'] as const
type CountedMetric = (typeof COUNTED_EVENT_TYPES)[keyof typeof COUNTED_EVENT_TYPES]
type SummedMetric = (typeof SUMMED_EVENT_TYPES)[keyof typeof SUMMED_EVENT_TYPES]

/** What the matching events and counted visits of a (site, day) add up to. */
interface DayFigures {
  counters: Record<(typeof DAY_COUNTERS)[number], number>
  day: string
  /** Per currency, exact decimal text. */
  revenue: Record<string, string>
  siteId: string
  /** Events per type other than pageview. */
  types: Record<string, number>
  /** Per summed type (`SUMMED_EVENT_TYPES`), the bounded values' sum. */
  valueSums: Record<string, number>
}

/** `{ key: value }` per (site, day) from rows (site, day, key, value). */
const perDayObject = (rows: SqlQuery, value: SqlQuery = sql`${a('v')}`) =>
  sql`SELECT ${a('site')}, ${a('day')}, jsonb_object_agg(${a('k')}, ${value}) AS ${a('o')} FROM (${rows}) q GROUP BY 1, 2`
const onDay = (alias: string, other: string) => sql`${a(alias)}.${a('site')} = ${a(other)}.${a('site')} AND ${a(alias)}.${a('day')} = ${a(other)}.${a('day')}`

/**
 * Day figures from visit rows alone. `counted`: one row per counted visit, with its matching
 * events (`events`) and pageviews (`pageviews`), `bounce`, `duration`, `visitor` and — for a
 * visit of several visitors, `visitors` not null — `visitorLists` (site, day, visitor) of its
 * matching events; `objects`: rows (site, day, types, value_sums, revenue) whose objects add up
 * to the matching events' (a visit's own, or its matching paths').
 */
function visitRowsDayFigures(shape: { counted: string; events: string; objects: SqlQuery; pageviews: string; visitorLists: SqlQuery }): SqlQuery {
  const { counted, objects } = shape
  const sums = (column: string, value?: SqlQuery) =>
    perDayObject(
      sql`SELECT o.${a('site')}, o.${a('day')}, t.${a('k')}, sum(t.${a('v')}::numeric) AS ${a('v')} FROM ${objects} o, jsonb_each_text(o.${a(column)}) AS t(${a('k')}, ${a('v')}) WHERE o.${a(column)} IS NOT NULL GROUP BY 1, 2, 3`,
      value,
    )
  return sql`
  SELECT d.${a('site')}, to_char(d.${a('day')}, 'YYYY-MM-DD') AS ${a('day')}, d.${a('events')}, d.${a('pageviews')}, d.${a('visits')}, d.${a('bounces')}, d.${a('totalDuration')},
    COALESCE(p.${a('visitors')}, 0) AS ${a('visitors')}, t.${a('o')} AS ${a('types')}, s.${a('o')} AS ${a('value_sums')}, r.${a('o')} AS ${a('revenue')}
  FROM (
    SELECT ${a('site')}, ${a('day')}, sum(${a(shape.events)})::float8 AS ${a('events')}, sum(${a(shape.pageviews)})::float8 AS ${a('pageviews')}, count(*)::float8 AS ${a('visits')},
      sum(${a('bounce')})::float8 AS ${a('bounces')}, sum(${a('duration')})::float8 AS ${a('totalDuration')}
    FROM ${a(counted)} GROUP BY 1, 2
  ) d
  LEFT JOIN (
    SELECT ${a('site')}, ${a('day')}, count(*)::float8 AS ${a('visitors')} FROM (
      SELECT ${a('site')}, ${a('day')}, ${a('visitor')} FROM ${a(counted)} WHERE ${a('visitors')} IS NULL AND ${a('visitor')} IS NOT NULL
      UNION ${shape.visitorLists}
    ) w GROUP BY 1, 2
  ) p ON ${onDay('p', 'd')}
  LEFT JOIN (${sums('types')}) t ON ${onDay('t', 'd')}
  LEFT JOIN (${sums('value_sums')}) s ON ${onDay('s', 'd')}
  LEFT JOIN (${sums('revenue', sql`${a('v')}::text`)}) r ON ${onDay('r', 'd')}`
}

/** Day figures from the kept visits alone: their counters are exactly their (matching) events'. */
const visitDayFigures = visitRowsDayFigures({
  counted: 'kv',
  events: 'n',
  objects: sql`kv`,
  pageviews: 'pageviews',
  visitorLists: sql`SELECT ${a('site')}, ${a('day')}, jsonb_array_elements_text(${a('visitors')}) FROM kv WHERE ${a('visitors')} IS NOT NULL`,
})

/** Day figures from the kept visits' matching paths (`pages`). */
const pageDayFigures = visitRowsDayFigures({
  counted: 'vs',
  events: 'mn',
  objects: sql`(SELECT vs.${a('site')}, vs.${a('day')}, x -> 't' AS ${a('types')}, x -> 'v' AS ${a('value_sums')}, x -> 'r' AS ${a('revenue')} FROM vs, jsonb_array_elements(vs.${a('extras')}) AS x)`,
  pageviews: 'mpv',
  visitorLists: sql`SELECT vs.${a('site')}, vs.${a('day')}, jsonb_array_elements_text(l.${a('value')}) FROM vs, jsonb_array_elements(vs.${a('us')}) AS l WHERE vs.${a('visitors')} IS NOT NULL`,
})

/** Day figures from the matching events (`me`) and the counted visits (`vs`). */
const eventDayFigures = sql`
  SELECT COALESCE(ev.${a('site')}, v.${a('site')}) AS ${a('site')}, to_char(COALESCE(ev.${a('day')}, v.${a('day')}), 'YYYY-MM-DD') AS ${a('day')},
    ev.${a('events')}, ev.${a('pageviews')}, ev.${a('visitors')}, ev.${a('types')}, ev.${a('value_sums')}, ev.${a('revenue')},
    v.${a('visits')}, v.${a('bounces')}, v.${a('totalDuration')}
  FROM (
    SELECT d.*, t.${a('o')} AS ${a('types')}, s.${a('o')} AS ${a('value_sums')}, r.${a('o')} AS ${a('revenue')}
    FROM (
      SELECT ${a('site')}, ${a('day')}, count(*)::float8 AS ${a('events')}, (count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW}))::float8 AS ${a('pageviews')},
        count(DISTINCT ${a('visitor')})::float8 AS ${a('visitors')}
      FROM me GROUP BY 1, 2
    ) d
    LEFT JOIN (${perDayObject(sql`SELECT ${a('site')}, ${a('day')}, ${a('type')} AS ${a('k')}, count(*) AS ${a('v')} FROM me WHERE ${a('type')} <> ${PAGEVIEW} GROUP BY 1, 2, 3`)}) t ON ${onDay('t', 'd')}
    LEFT JOIN (${perDayObject(
      sql`SELECT ${a('site')}, ${a('day')}, ${a('type')} AS ${a('k')}, sum(LEAST(GREATEST(${a('value')}, 0), ${MAX_EVENT_VALUE})) AS ${a('v')} FROM me
        WHERE ${a('type')} IN (${sql.join(Object.keys(SUMMED_EVENT_TYPES).map((type) => sql`${type}`), sql`, `)}) GROUP BY 1, 2, 3`,
    )}) s ON ${onDay('s', 'd')}
    LEFT JOIN (${perDayObject(
      sql`SELECT ${a('site')}, ${a('day')}, ${a('rev_currency')} AS ${a('k')}, sum(${a('rev_amount')}) AS ${a('v')} FROM me
        WHERE ${a('rev_currency')} IS NOT NULL AND ${a('rev_amount')} IS NOT NULL GROUP BY 1, 2, 3`,
      sql`${a('v')}::text`,
    )}) r ON ${onDay('r', 'd')}
  ) ev FULL JOIN (
    SELECT ${a('site')}, ${a('day')}, count(*)::float8 AS ${a('visits')}, sum(${a('bounce')})::float8 AS ${a('bounces')}, sum(${a('duration')})::float8 AS ${a('totalDuration')}
    FROM vs GROUP BY 1, 2
  ) v ON ${onDay('v', 'ev')}`

/** Whether filters test properties (a goal may test one): properties are carried along only then, they are most of a row's bytes. */
const filtersReadProps = (filters: readonly StatsFilter[]): boolean => filters.some((filter) => filter.dimension === 'goal' || propKeyOf(filter.dimension) !== null)

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

/**
 * Whether the visits table alone answers: every filter is visit-level (at least one — without
 * any, events outside visits count too).
 */
const visitFiltersOnly = (request: FilteredRequest): boolean =>
  request.filters.length > 0 && request.filters.every((filter) => isVisitDimension(filter.dimension))

/**
 * Whether the visits' pages answer: visit filters (without one, events outside visits count
 * too) and page filters, nothing else.
 */
const visitAndPageFilters = (request: FilteredRequest): boolean =>
  request.filters.some((filter) => isVisitDimension(filter.dimension)) &&
  request.filters.some((filter) => filter.dimension === 'page') &&
  request.filters.every((filter) => isVisitDimension(filter.dimension) || filter.dimension === 'page')

/**
 * The CTEs of a filtered request, for a question answered elsewhere (the funnel) to start from:
 * `vs` holds the visits that count (`site`, `day`, `session`) — under visit filters only, the
 * kept rows of the visits table alone. Run them with nested loops off, as `run` does, after
 * `checkVisitsCovered`.
 */
export function filteredVisitsCtes(payload: Payload, cfg: SanitizedAnalyticsConfig, request: FilteredRequest): SqlQuery {
  const tables = { events: collectionTable(payload, cfg.slugs.events), visits: collectionTable(payload, cfg.slugs.visits) }
  return filteredCtes(tables, request, filtersReadProps(request.filters), visitFiltersOnly(request) ? 'visits' : 'events')
}

export function createFilteredStore(payload: Payload, cfg: SanitizedAnalyticsConfig): FilteredStore {
  let tables: null | { events: CollectionTable; visits: CollectionTable } = null
  const tablesOf = () => (tables ??= { events: collectionTable(payload, cfg.slugs.events), visits: collectionTable(payload, cfg.slugs.visits) })
  /**
   * One statement, planned without nested loops over the CTEs (their sizes are guesses; see
   * `recomputeDailyStats.ts`). `eventsOnly`: the body reads the matching events (`me`) alone —
   * without filters that reads no visit row, so days recomputed before the visits table are
   * answered too (unfiltered goals not rolled up yet, right after an upgrade). `covered`: the
   * caller ran `checkVisitsCovered` itself (to learn whether the visit rows list their pages).
   * `narrow`: what every event the body counts has (`EventNarrowing`).
   */
  const run = async <T>(
    request: FilteredRequest,
    body: SqlQuery,
    readsProps = false,
    source: Source = 'events',
    options: { covered?: boolean; eventsOnly?: boolean; narrow?: EventNarrowing } = {},
  ): Promise<T[]> => {
    if (request.sites.length === 0) return []
    const withProps = readsProps || filtersReadProps(request.filters)
    if (!options.covered && !(options.eventsOnly && request.filters.length === 0)) await checkVisitsCovered(payload, cfg, request)
    return drizzleOf(payload).transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_nestloop = off`)
      await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
      return (await tx.execute(sql`WITH ${filteredCtes(tablesOf(), request, withProps, source, options.narrow)} ${body}`)).rows as T[]
    })
  }

  /**
   * Per (site, day) of a request: what totals, conversions and revenue read, in ONE statement
   * (the stats service asks for the three at once: the range is read once, not three times).
   */
  const inFlight = new Map<string, Promise<DayFigures[]>>()
  const dayFigures = (request: FilteredRequest): Promise<DayFigures[]> => {
    const key = JSON.stringify(request)
    const running = inFlight.get(key)
    if (running) return running
    const promise = dayFiguresNow(request).finally(() => inFlight.delete(key))
    inFlight.set(key, promise)
    return promise
  }
  const dayFiguresNow = async (request: FilteredRequest): Promise<DayFigures[]> => {
    // The coverage check also tells whether the range's visit rows list their pages.
    const { pagesListed } = await checkVisitsCovered(payload, cfg, request)
    const source: Source = visitFiltersOnly(request) ? 'visits' : visitAndPageFilters(request) && pagesListed ? 'pages' : 'events'
    const rows = await run<Record<string, unknown>>(request, { events: eventDayFigures, pages: pageDayFigures, visits: visitDayFigures }[source], false, source, { covered: true })
    const numbers = (value: unknown) => Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([name, n]) => [name, Number(n ?? 0)]))
    return rows.map((row) => ({
      counters: Object.fromEntries(DAY_COUNTERS.map((name) => [name, Number(row[name] ?? 0)])) as Record<(typeof DAY_COUNTERS)[number], number>,
      day: String(row.day),
      revenue: Object.fromEntries(Object.entries((row.revenue ?? {}) as Record<string, unknown>).map(([currency, amount]) => [currency, String(amount)])),
      siteId: String(row.site),
      types: numbers(row.types),
      valueSums: numbers(row.value_sums),
    }))
  }

  return {
    async customEventsByDay(request, names) {
      if (names?.length === 0) return []
      const wanted = names ? new Set(names) : null
      return (await dayFigures(request)).flatMap((row) =>
        Object.entries(row.types)
          .filter(([type]) => !NON_CUSTOM_EVENT_TYPES.includes(type) && (wanted === null || wanted.has(type)))
          .map(([key, events]) => ({ day: row.day, events, key, siteId: row.siteId })),
      )
    },

    async goals(request) {
      // Sites without goals add no branch: their events are not read.
      const sites = request.sites.filter((site) => site.goals.length > 0)
      const goals = sites.flatMap((site) => site.goals.map((goal) => ({ goal, site })))
      if (goals.length === 0) return []
      const branches = goals.map(
        ({ goal, site }) =>
          sql`SELECT ${goal.name}::text AS ${a('name')}, count(*)::float8 AS ${a('conversions')}, count(DISTINCT ${dayVisitor('e')})::float8 AS ${a('visitors')}
            FROM me e WHERE e.${a('site')} = ${String(site.id)} AND ${goalPredicate(goal)}`,
      )
      const rows = await run<{ conversions: number; name: string; visitors: number }>(
        { ...request, sites },
        sql`SELECT ${a('name')}, sum(${a('conversions')})::float8 AS ${a('conversions')}, sum(${a('visitors')})::float8 AS ${a('visitors')}
          FROM (${sql.join(branches, sql` UNION ALL `)}) g GROUP BY ${a('name')}`,
        goals.some(({ goal }) => goal.prop !== undefined),
        'events',
        // A goal converts only on its type's events (a page goal: pageviews).
        { eventsOnly: true, narrow: { types: [...new Set(goals.map(({ goal }) => goal.event ?? PAGEVIEW))] } },
      )
      return rows.map((row) => ({ conversions: Number(row.conversions), name: row.name, visitors: Number(row.visitors) }))
    },

    async revenue(request, goals = []) {
      if (goals.length === 0) {
        // Per day (the caller sums them): exact decimal text per currency.
        return (await dayFigures(request)).flatMap((row) => Object.entries(row.revenue).map(([currency, amount]) => ({ amount, currency, goal: null })))
      }
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
        'events',
        // Every branch sums revenue.
        { eventsOnly: true, narrow: { withRevenue: true } },
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
            const column = a(VISIT_ATTRIBUTE_COLUMNS[dimension as VisitAttribute])
            // Direct traffic is a row of its own ('' = Direct / None), as in the rollups.
            const key = dimension === 'source' ? sql`COALESCE(${column}, '')` : column
            return row(key, sql`count(DISTINCT ${dayVisitor('u')})`, sql`count(*)`, sql`sum(${a('mpv')})`, sql`0`, sql`FROM vs u WHERE ${key} IS NOT NULL GROUP BY 2`)
          }
        }
      }
      const eventsFirst = dimensions.includes('event') ? sql`CASE WHEN u.${a('dimension')} = ${'event'} THEN u.${a('events')} END DESC NULLS LAST,` : sql``
      // Visit dimensions under visit filters are the visits table's alone; pages and custom events are events'.
      const source: Source = visitFiltersOnly(request) && !dimensions.some((dimension) => dimension === 'page' || dimension === 'event') ? 'visits' : 'events'
      const rows = await run<Record<string, number | string>>(
        request,
        sql`SELECT * FROM (
            SELECT u.*, row_number() OVER (
              PARTITION BY u.${a('dimension')}
              ORDER BY ${eventsFirst} u.${a('visitors')} DESC, u.${a('visits')} DESC, u.${a('pageviews')} DESC, u.${a('events')} DESC, u.${a('key')} COLLATE "C"
            ) AS ${a('rank')}
            FROM (${sql.join(dimensions.map(branch), sql` UNION ALL `)}) u
          ) ranked WHERE ${a('rank')} <= ${limit} ORDER BY ${a('dimension')}, ${a('rank')}`,
        false,
        source,
      )
      return rows.map((row) => topKeyRow(row.dimension as StatsDimension, row))
    },

    async totalsByDay(request) {
      return (await dayFigures(request)).map((row) => ({
        ...row.counters,
        ...(Object.fromEntries(Object.entries(COUNTED_EVENT_TYPES).map(([type, metric]) => [metric, row.types[type] ?? 0])) as Record<CountedMetric, number>),
        ...(Object.fromEntries(Object.entries(SUMMED_EVENT_TYPES).map(([type, metric]) => [metric, row.valueSums[type] ?? 0])) as Record<SummedMetric, number>),
        day: row.day,
        // Engagement (time on page, scroll depth) is not read under filters: see docs/explore.md.
        engagedMs: 0,
        engagedVisits: 0,
        scrollDepthSum: 0,
        scrollVisits: 0,
        siteId: row.siteId,
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
