/**
 * Plausible's Stats API v2 query (`POST /api/v2/query`, as its public documentation
 * describes it) checked and mapped onto our stats query: which metric, dimension and date
 * range of theirs is which of ours, and what our storage cannot answer — each refused with a
 * 400 that names it. Pure: the endpoint runs the mapped query through the stats service.
 */
import * as z from 'zod'

import type { Breakdown, StatsTotals } from '../stats/types.js'
import type { FilterDimension, FilterOp, StatsFilter } from './filters.js'

import { isRevenueMetric } from './plausibleRevenue.js'
import { addDays, firstRetainedDay, StatsInputError } from './statsRange.js'

/** Plausible's metric → our total (null: answered from rows, not totals). */
export const V2_METRICS = {
  average_revenue: null,
  bounce_rate: 'bounceRate',
  conversion_rate: 'conversionRate',
  events: null,
  pageviews: 'pageviews',
  percentage: null,
  scroll_depth: 'scrollDepth',
  time_on_page: 'timeOnPage',
  total_revenue: null,
  views_per_visit: 'viewsPerVisit',
  visit_duration: 'avgVisitDuration',
  visitors: 'visitors',
  visits: 'visits',
} as const satisfies Record<string, keyof StatsTotals | null>
export type V2Metric = keyof typeof V2_METRICS

/** Metrics Plausible has and we do not store, with why. */
const UNSUPPORTED_METRICS: Record<string, string> = {
  exit_rate: 'exit rate is not kept',
  group_conversion_rate: 'goals are not supported yet',
}

/** Plausible's event and visit dimensions → our breakdowns. */
export const V2_DIMENSIONS = {
  'event:name': 'events',
  'event:page': 'pages',
  'visit:browser': 'browsers',
  'visit:country': 'countries',
  'visit:device': 'devices',
  'visit:entry_page': 'entryPages',
  'visit:exit_page': 'exitPages',
  'visit:os': 'os',
  'visit:source': 'sources',
  'visit:utm_campaign': 'utmCampaign',
  'visit:utm_content': 'utmContent',
  'visit:utm_medium': 'utmMedium',
  'visit:utm_source': 'utmSource',
  'visit:utm_term': 'utmTerm',
} as const satisfies Record<string, Breakdown>
export type V2Dimension = keyof typeof V2_DIMENSIONS

/**
 * Our stored values that Plausible's documentation spells otherwise: the direct visits'
 * source is "Direct / None", device types are capitalised (`Desktop`, `Mobile`, `Tablet`;
 * ours has no "Laptop" and an `other` Plausible writes "(not set)"). Answers show its
 * spelling; filters read either.
 */
const PLAUSIBLE_SPELLING: Partial<Record<string, Record<string, string>>> = {
  'visit:device': { desktop: 'Desktop', mobile: 'Mobile', other: '(not set)', tablet: 'Tablet' },
  'visit:source': { '': 'Direct / None' },
}
const STORED_SPELLING: Partial<Record<string, Record<string, string>>> = {
  'visit:device': { ...Object.fromEntries(Object.entries(PLAUSIBLE_SPELLING['visit:device']!).map(([ours, theirs]) => [theirs, ours])), Laptop: 'desktop' },
  'visit:source': { 'Direct / None': '' },
}

/** A stored value of a dimension as Plausible answers it. */
export const plausibleValue = (dimension: string, value: string): string => PLAUSIBLE_SPELLING[dimension]?.[value] ?? value
/** A value as Plausible writes it (in a filter) as the stored one. */
export const storedValue = (dimension: string, value: string): string => STORED_SPELLING[dimension]?.[value] ?? value

export const TIME_DIMENSIONS = ['time', 'time:hour', 'time:day', 'time:week', 'time:month'] as const
export type TimeDimension = (typeof TIME_DIMENSIONS)[number]

/** Which metrics a breakdown row has: visitors, pageviews and visits everywhere; the rest on some. */
export function rowMetricProblem(metric: V2Metric, dimension: NonNullable<PlannedQuery['breakdown']>): null | string {
  if (dimension === 'event:goal') {
    return metric === 'visitors' || metric === 'events' || metric === 'conversion_rate' || isRevenueMetric(metric)
      ? null
      : `metric ${metric} is not available broken down by ${dimension} (visitors, events, conversion_rate, total_revenue, average_revenue)`
  }
  if (isRevenueMetric(metric)) return `metric ${metric} is not available broken down by ${dimension}: revenue is answered in total (with an event:goal filter) or per goal (event:goal)`
  if (metric === 'visitors' || metric === 'pageviews' || metric === 'visits' || metric === 'percentage') return null
  if (metric === 'events' && dimension.startsWith('event:props:')) return null
  if ((metric === 'time_on_page' || metric === 'scroll_depth') && dimension === 'event:page') return null
  if (metric === 'events' && dimension === 'event:name') return null
  return `metric ${metric} is not available broken down by ${dimension}`
}

/** Plausible's filter dimensions → ours (`src/core/filters.ts`); `event:props:<key>` → `prop:<key>`. */
const FILTER_DIMENSIONS: Record<string, FilterDimension> = {
  'event:goal': 'goal',
  'event:hostname': 'hostname',
  'event:name': 'event',
  'event:page': 'page',
  'visit:browser': 'browser',
  'visit:country': 'country',
  'visit:device': 'device',
  'visit:entry_page': 'entryPage',
  'visit:exit_page': 'exitPage',
  'visit:os': 'os',
  'visit:source': 'source',
  'visit:utm_campaign': 'utmCampaign',
  'visit:utm_content': 'utmContent',
  'visit:utm_medium': 'utmMedium',
  'visit:utm_source': 'utmSource',
  'visit:utm_term': 'utmTerm',
}

const NEGATED: Record<FilterOp, FilterOp> = { contains: 'contains_not', contains_not: 'contains', is: 'is_not', is_not: 'is' }

function filterDimension(name: unknown): FilterDimension {
  if (typeof name !== 'string') throw new PlausibleQueryError(`Invalid filter dimension ${JSON.stringify(name)}`)
  if (name.startsWith('event:props:')) return `prop:${name.slice('event:props:'.length)}`
  const dimension = FILTER_DIMENSIONS[name]
  if (!dimension) throw new PlausibleQueryError(`Filtering by ${name} is not supported`)
  return dimension
}

/**
 * A v2 filter tree as our filters, which are ANDed simple filters with ORed values: `and`
 * flattens, `not` of a simple filter negates it, `or` of simple filters on one dimension with
 * one positive operator joins their values; anything else is a 400 that says so.
 */
export function v2Filters(filters: readonly unknown[]): StatsFilter[] {
  const out: StatsFilter[] = []
  const simple = (filter: unknown): StatsFilter => {
    if (!Array.isArray(filter)) throw new PlausibleQueryError(`Invalid filter ${JSON.stringify(filter)}`)
    const [op, dimension, clauses, modifiers] = filter as [unknown, unknown, unknown, unknown]
    if (op === 'not') return negate(simple(dimension))
    if (op === 'and' || op === 'or') throw new PlausibleQueryError(`Nested "${op}" filters are not supported`)
    if (op === 'matches' || op === 'matches_not' || op === 'matches_wildcard' || op === 'matches_wildcard_not') throw new PlausibleQueryError(`Filter operator "${op}" is not supported (is, is_not, contains, contains_not)`)
    if (op === 'has_done' || op === 'has_not_done') throw new PlausibleQueryError(`Behavioural filters (${op}) are not supported`)
    if (op !== 'is' && op !== 'is_not' && op !== 'contains' && op !== 'contains_not') throw new PlausibleQueryError(`Invalid filter operator ${JSON.stringify(op)}`)
    if (!Array.isArray(clauses) || clauses.length === 0 || clauses.some((value) => typeof value !== 'string' && typeof value !== 'number')) {
      throw new PlausibleQueryError(`Invalid filter ${JSON.stringify(filter)}: its clauses must be a non-empty list of values`)
    }
    // Our filters match case-sensitively, Plausible's default; only that is answerable.
    if (modifiers !== undefined && (typeof modifiers !== 'object' || modifiers === null || (modifiers as { case_sensitive?: unknown }).case_sensitive === false)) {
      throw new PlausibleQueryError('Filter modifiers other than case_sensitive: true are not supported (our filters match case-sensitively)')
    }
    return { dimension: filterDimension(dimension), op, values: (clauses as Array<number | string>).map((value) => storedValue(String(dimension), String(value))) }
  }
  const negate = (filter: StatsFilter): StatsFilter => ({ ...filter, op: NEGATED[filter.op] })
  const visit = (filter: unknown) => {
    if (Array.isArray(filter) && filter[0] === 'and') {
      if (!Array.isArray(filter[1])) throw new PlausibleQueryError('Invalid "and" filter: expected a list of filters')
      for (const inner of filter[1] as unknown[]) visit(inner)
    } else if (Array.isArray(filter) && filter[0] === 'or') {
      const parts = Array.isArray(filter[1]) ? (filter[1] as unknown[]).map(simple) : []
      const [first] = parts
      if (!first || parts.some((part) => part.dimension !== first.dimension || part.op !== first.op) || (first.op !== 'is' && first.op !== 'contains')) {
        throw new PlausibleQueryError('"or" filters are supported only over one dimension with one of is / contains (write them as one filter with several values)')
      }
      out.push({ ...first, values: parts.flatMap((part) => part.values) })
    } else out.push(simple(filter))
  }
  for (const filter of filters) visit(filter)
  return out
}

/**
 * v1's `filters` (`visit:browser==Chrome|Firefox;event:page!=/admin`, `~` contains, `!~`
 * contains not) as v2 filters, which `v2Filters` then maps.
 */
export function v1Filters(text: string): Array<[FilterOp, string, string[]]> {
  return text
    .split(';')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const match = /^([\w:.-]+?)(==|!=|!~|~)(.*)$/s.exec(part.trim())
      if (!match) throw new PlausibleQueryError(`Invalid filter "${part.slice(0, 100)}": write it as property==value (or !=, ~, !~; values ORed with |)`)
      const op: FilterOp = { '!=': 'is_not', '!~': 'contains_not', '==': 'is', '~': 'contains' }[match[2]!] as FilterOp
      return [op, match[1]!, match[3]!.split('|')]
    })
}

export const DEFAULT_V2_LIMIT = 10_000

const dateOrTime = z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/, { error: 'must be an ISO 8601 date or date-time' })

export const v2QuerySchema = z.strictObject({
  date_range: z.union([z.string(), z.tuple([dateOrTime, dateOrTime])], { error: 'must be a named range such as "7d" or a pair of ISO 8601 dates' }),
  dimensions: z.array(z.string()).default([]),
  filters: z.array(z.unknown()).default([]),
  include: z
    .strictObject({
      comparisons: z.unknown().optional(),
      imports: z.boolean().optional(),
      time_labels: z.boolean().optional(),
      total_rows: z.boolean().optional(),
    })
    .default({}),
  metrics: z.array(z.string()).min(1, { error: 'must name at least one metric' }),
  order_by: z.array(z.tuple([z.string(), z.enum(['asc', 'desc'])])).optional(),
  pagination: z
    .strictObject({ limit: z.number().int().min(1).max(DEFAULT_V2_LIMIT).optional(), offset: z.number().int().min(0).optional() })
    .default({}),
  site_id: z.string().min(1, { error: 'is required' }),
})

export type V2Request = z.output<typeof v2QuerySchema>

export class PlausibleQueryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlausibleQueryError'
  }
}

/** Plausible's period names (v2 `date_range`, v1 `period`) as our days, ending today in the site's zone. */
export function namedRange(name: string, today: string, statsDays: number): { from: string; to: string } {
  const last = (days: number) => ({ from: addDays(today, -(days - 1)), to: today })
  const months = (count: number) => {
    const [year, month] = today.split('-').map(Number) as [number, number]
    const start = new Date(Date.UTC(year, month - count, 1)).toISOString().slice(0, 10)
    return { from: start, to: today }
  }
  switch (name) {
    case 'day':
    case 'today':
      return { from: today, to: today }
    case '7d':
      return last(7)
    case '28d':
      return last(28)
    case '30d':
      return last(30)
    case '91d':
      return last(91)
    case 'month':
      return months(1)
    case '6mo':
      return months(6)
    case '12mo':
      return months(12)
    case 'year':
      return { from: `${today.slice(0, 4)}-01-01`, to: today }
    case 'all':
      return { from: firstRetainedDay(today, statsDays), to: today }
    default:
      throw new PlausibleQueryError(`Invalid date_range "${name}": one of day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, or [from, to]`)
  }
}

/** A `[from, to]` pair as days: dates, or date-times that begin and end whole local days. */
export function customRange(pair: readonly [string, string]): { from: string; to: string } {
  const [from, to] = pair
  const times = [from, to].filter((value) => value.length > 10)
  if (times.length) {
    throw new PlausibleQueryError(`date_range with times (${times.join(', ')}) is not supported: our stats are kept by local day, so ask for dates (YYYY-MM-DD)`)
  }
  if (from > to) throw new PlausibleQueryError(`Invalid date_range: ${from} is after ${to}`)
  return { from, to }
}

/** The checked request: metrics, the one dimension (time or not) and the range's days. */
export interface PlannedQuery {
  /** A dimension of ours (`V2_DIMENSIONS`), a goal or a custom property's values. */
  breakdown: null | V2Dimension | 'event:goal' | `event:props:${string}`
  filters: StatsFilter[]
  metrics: V2Metric[]
  time: null | TimeDimension
}

export function planQuery(request: V2Request): PlannedQuery {
  if (request.include.comparisons !== undefined) throw new PlausibleQueryError('include.comparisons is not supported: ask for the previous range in a second query')
  const metrics: V2Metric[] = []
  for (const metric of request.metrics) {
    if (UNSUPPORTED_METRICS[metric]) throw new PlausibleQueryError(`Metric ${metric} is not supported: ${UNSUPPORTED_METRICS[metric]}`)
    if (!(metric in V2_METRICS)) throw new PlausibleQueryError(`Unknown metric "${metric}"`)
    if (metrics.includes(metric as V2Metric)) throw new PlausibleQueryError(`Metric ${metric} is listed twice`)
    metrics.push(metric as V2Metric)
  }
  let time: null | TimeDimension = null
  let breakdown: PlannedQuery['breakdown'] = null
  for (const dimension of request.dimensions) {
    if ((TIME_DIMENSIONS as readonly string[]).includes(dimension)) {
      if (time) throw new PlausibleQueryError('Only one time dimension is allowed')
      time = dimension as TimeDimension
    } else if (dimension in V2_DIMENSIONS || dimension === 'event:goal' || /^event:props:[^:\p{Cc}]{1,64}$/u.test(dimension)) {
      if (breakdown) throw new PlausibleQueryError(`Breaking down by two dimensions (${breakdown}, ${dimension}) is not supported: our rollups keep one dimension at a time`)
      breakdown = dimension as PlannedQuery['breakdown']
    } else if (/^visit:(referrer|city|region|country_name|region_name|city_name|channel|browser_version|os_version)$/.test(dimension) || dimension === 'event:hostname') {
      throw new PlausibleQueryError(`Dimension ${dimension} is not supported: it is not kept`)
    } else throw new PlausibleQueryError(`Invalid dimension "${dimension}"`)
  }
  if (time && breakdown) throw new PlausibleQueryError(`Combining ${time} with ${breakdown} is not supported: our rollups keep one dimension at a time`)
  for (const metric of metrics) {
    if (breakdown) {
      const problem = rowMetricProblem(metric, breakdown)
      if (problem) throw new PlausibleQueryError(`Metric ${metric} is not supported with dimension ${breakdown}: ${problem.replace(/^metric \S+ /, '')}`)
    } else if (metric === 'events') throw new PlausibleQueryError('Metric events is only supported with the dimension event:name')
    else if (metric === 'percentage') throw new PlausibleQueryError('Metric `percentage` can only be queried with a dimension')
    else if (isRevenueMetric(metric) && time) throw new PlausibleQueryError(`Metric ${metric} is not supported with a time dimension: revenue is answered in total (with an event:goal filter) or per goal (event:goal)`)
    else if (metric === 'conversion_rate' && time) throw new PlausibleQueryError('Metric conversion_rate is not supported with a time dimension')
  }
  for (const [key] of request.order_by ?? []) {
    if (!metrics.includes(key as V2Metric) && !request.dimensions.includes(key)) {
      throw new PlausibleQueryError(`Invalid order_by entry "${key}": it must be one of the query's metrics or dimensions`)
    }
  }
  return { breakdown, filters: v2Filters(request.filters), metrics, time }
}

/** Plausible's rounding of each metric (rates and durations as whole numbers, like its answers); revenue metrics: `plausibleRevenue.ts`. */
export function metricValue(metric: Exclude<V2Metric, 'average_revenue' | 'total_revenue'>, totals: Partial<StatsTotals>, extra: { events?: number; percentage?: number } = {}): null | number {
  switch (metric) {
    case 'bounce_rate':
      return Math.round((totals.bounceRate ?? 0) * 100)
    case 'conversion_rate':
      return Math.round((totals.conversionRate ?? 0) * 10_000) / 100
    case 'events':
      return extra.events ?? 0
    case 'percentage':
      return extra.percentage ?? 0
    case 'scroll_depth':
      return totals.scrollDepth === undefined || totals.scrollDepth === null ? null : Math.round(totals.scrollDepth)
    case 'time_on_page':
      return totals.timeOnPage === undefined || totals.timeOnPage === null ? null : Math.round(totals.timeOnPage)
    case 'views_per_visit':
      return Math.round((totals.viewsPerVisit ?? 0) * 100) / 100
    case 'visit_duration':
      return Math.round(totals.avgVisitDuration ?? 0)
    default:
      return totals[V2_METRICS[metric]] ?? 0
  }
}

/** A time dimension's granularity for a range: `time` picks hours for a day, months past about a quarter, else days. */
export function timeInterval(time: TimeDimension, days: number): 'day' | 'hour' | 'month' | 'week' {
  if (time === 'time') return days === 1 ? 'hour' : days > 92 ? 'month' : 'day'
  return time.slice(5) as 'day' | 'hour' | 'month' | 'week'
}

/** Our hour label (`2026-11-01T01:00-04:00`) as Plausible writes hours (`2026-11-01 01:00:00`). */
export const hourLabel = (label: string): string => `${label.slice(0, 10)} ${label.slice(11, 16)}:00`

/** Zod's issues as Plausible's one error line. */
export function describeV2Issues(error: z.ZodError): string {
  const issue = error.issues[0]!
  const path = issue.path.map(String).join('.')
  return path ? `Invalid request: ${path} ${issue.message}` : `Invalid request: ${issue.message}`
}

export { StatsInputError }
