/**
 * Plausible's Stats API over the one stats service: the v2 query (`POST /api/v2/query`)
 * checked and mapped by `core/plausibleQuery.ts`, run as a `getStats` call for one site, and
 * answered in Plausible's shape (`results` of `{dimensions, metrics}`, `meta`, the
 * normalised `query`). The v1 endpoints are written as v2 queries (`./v1.ts`).
 */
import type { BreakdownRow, SiteId, StatsCaller, StatsQuery, StatsResult, StatsService, StatsSite } from '../stats/types.js'
import type { StatsFilter } from '../core/filters.js'
import type { PlannedQuery, V2Dimension, V2Metric, V2Request } from '../core/plausibleQuery.js'
import type { PlausibleRevenue, RevenueMetric, RevenueWarning } from '../core/plausibleRevenue.js'
import type { RevenueSum } from '../core/revenue.js'

import { normalizeDomain } from '../core/domain.js'
import { matchesFilter } from '../core/filters.js'
import {
  customRange,
  DEFAULT_V2_LIMIT,
  describeV2Issues,
  hourLabel,
  metricValue,
  namedRange,
  planQuery,
  plausibleValue,
  PlausibleQueryError,
  timeInterval,
  V2_DIMENSIONS,
  v2QuerySchema,
} from '../core/plausibleQuery.js'
import { isRevenueMetric, metricWarnings, revenueMetric } from '../core/plausibleRevenue.js'
import { addDays, daysInRange, todayIn } from '../core/statsRange.js'
import { formatOffset, localMidnight, localParts } from '../core/timeZone.js'
import { MAX_BREAKDOWN_LIMIT } from '../core/statsQuerySchema.js'
import { siteNotReadable } from '../stats/errors.js'

export interface PlausibleContext {
  caller: StatsCaller
  now: Date
  stats: Pick<StatsService, 'getStats' | 'readableSites'>
  statsDays: number
  timeZoneOf: (siteId: SiteId) => string
}

export interface V2Row {
  dimensions: Array<null | number | string>
  metrics: Array<null | number | PlausibleRevenue>
}

export interface V2Response {
  meta: Record<string, unknown>
  query: Record<string, unknown>
  results: V2Row[]
}

const bare = (domain: string) => normalizeDomain(domain).replace(/^www\./, '')

/** The site a `site_id` (its domain) names, among those the caller may read; 404 otherwise. */
export async function siteByDomain(ctx: Pick<PlausibleContext, 'caller' | 'stats'>, siteId: string): Promise<StatsSite> {
  const wanted = bare(siteId)
  const site = (await ctx.stats.readableSites(ctx.caller)).find((candidate) => candidate.domain && bare(candidate.domain) === wanted)
  if (!site) throw siteNotReadable()
  return site
}

/** `2026-11-01T00:00:00+01:00`: an instant in the zone's wall-clock time with its offset. */
function localDateTime(ms: number, timeZone: string): string {
  const parts = localParts(ms, timeZone)
  const pad = (n: number) => String(n).padStart(2, '0')
  const seconds = pad(new Date(ms + parts.offset * 60_000).getUTCSeconds())
  return `${parts.day}T${pad(parts.hour)}:${pad(parts.minute)}:${seconds}${formatOffset(parts.offset)}`
}

function timeLabelOf(date: string, interval: 'day' | 'hour' | 'month' | 'week'): string {
  return interval === 'hour' ? hourLabel(date) : date
}

/** The revenue metrics' warnings of an answer, gathered while its rows are built. */
type Warnings = Map<RevenueMetric, RevenueWarning>

/** One row's metrics: revenue metrics from its revenue and conversions, the others by `metricValue`. */
function rowMetrics(
  metrics: readonly V2Metric[],
  value: (metric: Exclude<V2Metric, RevenueMetric>) => null | number,
  revenue: { conversions: number; sums: readonly RevenueSum[]; warnings: Warnings } | null,
): V2Row['metrics'] {
  return metrics.map((metric) => {
    if (!isRevenueMetric(metric)) return value(metric)
    if (!revenue) return null
    const answer = revenueMetric(metric, revenue.sums, revenue.conversions)
    if (answer.warning && !revenue.warnings.has(metric)) revenue.warnings.set(metric, answer.warning)
    return answer.value
  })
}

/** The service's rows of the planned breakdown: a dimension of ours, the goals, or a property's values. */
function breakdownRows(plan: PlannedQuery & { breakdown: NonNullable<PlannedQuery['breakdown']> }, result: StatsResult, warnings: Warnings): V2Row[] {
  const total = result.totals.visitors
  if (plan.breakdown === 'event:goal') {
    const goals = result.breakdowns.goals ?? []
    const rows = goals.map((row) => {
      // A goal without revenue is null without a warning (as Plausible's non-revenue goals), unless no goal has any.
      const perGoal: Warnings = new Map()
      const metrics = rowMetrics(
        plan.metrics,
        (metric) => metricValue(metric, { conversionRate: row.conversionRate, visitors: row.visitors }, { events: row.conversions }),
        row.revenue.length ? { conversions: row.conversions, sums: row.revenue, warnings: perGoal } : null,
      )
      for (const [metric, code] of perGoal) if (!warnings.has(metric)) warnings.set(metric, code)
      return { dimensions: [row.key], metrics }
    })
    if (!goals.some((row) => row.revenue.length)) for (const metric of plan.metrics.filter(isRevenueMetric)) warnings.set(metric, 'no_revenue_goals_matching')
    return rows
  }
  const rows: BreakdownRow[] = plan.breakdown.startsWith('event:props:')
    ? (result.breakdowns[`prop:${plan.breakdown.slice('event:props:'.length)}`] ?? [])
    : (result.breakdowns[V2_DIMENSIONS[plan.breakdown as V2Dimension]] ?? [])
  return rows.map((row) => ({
    dimensions: [plausibleValue(plan.breakdown, row.key)],
    metrics: rowMetrics(
      plan.metrics,
      (metric) =>
        metricValue(
          metric,
          { pageviews: row.pageviews, scrollDepth: row.scrollDepth ?? undefined, timeOnPage: row.timeOnPage ?? undefined, visitors: row.visitors, visits: row.visits },
          { events: row.events ?? 0, percentage: total ? Math.round((row.visitors / total) * 10_000) / 100 : 0 },
        ),
      null,
    ),
  }))
}

/** The goal filters that select goals (`is`, `contains`): without one, revenue has no goals to sum. */
const goalFilters = (filters: readonly StatsFilter[]) => filters.filter((filter) => filter.dimension === 'goal')
const selectsGoals = (filters: readonly StatsFilter[]) => goalFilters(filters).some((filter) => filter.op === 'is' || filter.op === 'contains')

/**
 * Revenue in total: the revenue of the events that convert for the filtered goals (each event
 * once), per conversion of those goals.
 */
function totalRevenue(plan: PlannedQuery, result: StatsResult, warnings: Warnings): { conversions: number; sums: readonly RevenueSum[]; warnings: Warnings } {
  if (!selectsGoals(plan.filters)) return { conversions: 0, sums: [], warnings }
  const matched = (result.breakdowns.goals ?? []).filter((row) => goalFilters(plan.filters).every((filter) => matchesFilter(filter, row.key)))
  return { conversions: matched.reduce((sum, row) => sum + row.conversions, 0), sums: result.totals.revenue, warnings }
}

const compareValues = (x: unknown, y: unknown): number => {
  if (x === y) return 0
  if (x === null || x === undefined) return -1
  if (y === null || y === undefined) return 1
  return x < y ? -1 : 1
}

/** Run a v2 query; throws `PlausibleQueryError` (400) for what is invalid or not supported, `StatsError` from the service. */
export async function runV2Query(body: unknown, ctx: PlausibleContext): Promise<V2Response> {
  const parsed = v2QuerySchema.safeParse(body)
  if (!parsed.success) throw new PlausibleQueryError(describeV2Issues(parsed.error))
  const request: V2Request = parsed.data
  const plan = planQuery(request)
  const site = await siteByDomain(ctx, request.site_id)
  const timeZone = ctx.timeZoneOf(site.id)
  const today = todayIn(ctx.now, timeZone)
  const days = typeof request.date_range === 'string' ? namedRange(request.date_range, today, ctx.statsDays) : customRange(request.date_range)
  const limit = request.pagination.limit ?? DEFAULT_V2_LIMIT
  const offset = request.pagination.offset ?? 0
  const interval = plan.time ? timeInterval(plan.time, daysInRange(days.from, days.to)) : null

  // As Plausible: imported days only when asked for (`include.imports`, default false).
  const query: StatsQuery = { filters: plan.filters, from: days.from, imports: request.include.imports === true, range: 'custom', siteIds: [site.id], to: days.to }
  if (interval) query.interval = interval
  if (plan.breakdown === 'event:goal') query.goals = true
  else if (plan.breakdown?.startsWith('event:props:')) query.props = [plan.breakdown.slice('event:props:'.length)]
  else if (plan.breakdown) query.breakdowns = [V2_DIMENSIONS[plan.breakdown as V2Dimension]]
  if (plan.breakdown) query.limit = MAX_BREAKDOWN_LIMIT
  // Revenue in total is divided by the conversions of the filtered goals.
  if (!plan.breakdown && plan.metrics.some(isRevenueMetric) && selectsGoals(plan.filters)) query.goals = true
  const result = await ctx.stats.getStats(query, ctx.caller)

  let rows: V2Row[]
  let timeLabels: string[] | undefined
  const warnings: Warnings = new Map()
  if (plan.breakdown) rows = breakdownRows({ ...plan, breakdown: plan.breakdown }, result, warnings)
  else if (interval) {
    timeLabels = result.series.map((point) => timeLabelOf(point.date, interval))
    // As Plausible: buckets without traffic are left out of the results (time_labels lists them all).
    rows = result.series
      .filter((point) => point.visitors > 0 || point.pageviews > 0 || point.visits > 0)
      .map((point) => ({ dimensions: [timeLabelOf(point.date, interval)], metrics: rowMetrics(plan.metrics, (metric) => metricValue(metric, point), null) }))
  } else rows = [{ dimensions: [], metrics: rowMetrics(plan.metrics, (metric) => metricValue(metric, result.totals), totalRevenue(plan, result, warnings)) }]

  const orderBy: Array<[string, 'asc' | 'desc']> =
    request.order_by ?? (plan.time ? [[plan.time, 'asc']] : plan.breakdown ? [[plan.metrics.includes('visitors') ? 'visitors' : plan.metrics[0]!, 'desc']] : [])
  const dimensionNames = request.dimensions
  if (rows.length > 1 && orderBy.length) {
    const valueOf = (row: V2Row, key: string) => {
      const dimension = dimensionNames.indexOf(key)
      const value = dimension >= 0 ? row.dimensions[dimension] : row.metrics[plan.metrics.indexOf(key as V2Metric)]
      // Revenue sorts by its value (nulls last when descending, as Plausible's example shows).
      return typeof value === 'object' && value !== null ? value.value : value
    }
    rows.sort((x, y) => {
      for (const [key, direction] of orderBy) {
        const order = compareValues(valueOf(x, key), valueOf(y, key))
        if (order !== 0) return direction === 'asc' ? order : -order
      }
      return compareValues(x.dimensions[0], y.dimensions[0])
    })
  }

  const meta: Record<string, unknown> = {}
  // Set only when include.imports was: whether imported days were part of the answer.
  if (request.include.imports !== undefined) meta.imports_included = result.imported !== null
  if (request.include.time_labels) {
    if (!plan.time) throw new PlausibleQueryError('include.time_labels requires a time dimension')
    meta.time_labels = timeLabels ?? []
  }
  if (request.include.total_rows) meta.total_rows = rows.length
  if (warnings.size) meta.metric_warnings = metricWarnings(warnings)
  if (plan.breakdown && rows.length >= MAX_BREAKDOWN_LIMIT) meta.warning = `Only the top ${MAX_BREAKDOWN_LIMIT} rows by visitors are answered`

  const start = localMidnight(days.from, timeZone).getTime()
  const end = localMidnight(addDays(days.to, 1), timeZone).getTime() - 1_000
  return {
    meta,
    query: {
      date_range: [localDateTime(start, timeZone), localDateTime(end, timeZone)],
      dimensions: request.dimensions,
      filters: request.filters,
      include: request.include,
      metrics: plan.metrics,
      order_by: orderBy,
      pagination: { limit, offset },
      site_id: request.site_id,
    },
    results: rows.slice(offset, offset + limit),
  }
}

