/**
 * Plausible's Stats API v1 (`/api/v1/stats/realtime/visitors`, `aggregate`, `timeseries`,
 * `breakdown`) written as v2 queries over the same path (`runV2Query`): their `period`,
 * `date`, `metrics`, `property`, `limit`, `page` and `compare=previous_period`, answered in v1's shapes.
 */
import type { PlausibleContext, V2Response, V2Row } from './query.js'

import { PlausibleQueryError, v1Filters } from '../core/plausibleQuery.js'
import { isRevenueMetric } from '../core/plausibleRevenue.js'
import { addDays, daysInRange, todayIn } from '../core/statsRange.js'
import { runV2Query, siteByDomain } from './query.js'

/** Plausible's "current visitors": the last 5 minutes. */
export const CURRENT_VISITORS_MINUTES = 5
const DEFAULT_BREAKDOWN_LIMIT = 100
const MAX_V1_LIMIT = 1000
const DAY = /^\d{4}-\d{2}-\d{2}$/

type Params = URLSearchParams

const siteIdOf = (params: Params): string => {
  const siteId = params.get('site_id')
  if (!siteId) throw new PlausibleQueryError('site_id is required')
  return siteId
}

function metricsOf(params: Params): string[] {
  const metrics = (params.get('metrics') ?? 'visitors').split(',').map((metric) => metric.trim()).filter(Boolean)
  const revenue = metrics.find(isRevenueMetric)
  if (revenue) throw new PlausibleQueryError(`Metric ${revenue} is not supported by the v1 API: ask POST /api/v2/query`)
  return metrics
}

/** A v2 row's metrics as v1's numbers (revenue metrics are refused above, so none is an object). */
const numbers = (values: V2Row['metrics']): Array<null | number> => values.map((value) => (typeof value === 'object' && value !== null ? value.value : value))

/** v1's `period` and `date` as a v2 `date_range` (`date` moves "today" for named periods; with `custom` it is `from,to`). */
export function v1DateRange(params: Params, ctx: Pick<PlausibleContext, 'now'>, timeZone: string): [string, string] | string {
  const period = params.get('period') ?? '30d'
  const date = params.get('date')
  if (period === 'custom') {
    const [from, to] = (date ?? '').split(',')
    if (!from || !to || !DAY.test(from) || !DAY.test(to)) throw new PlausibleQueryError('With period=custom, date must be two dates: YYYY-MM-DD,YYYY-MM-DD')
    return [from, to]
  }
  if (!['12mo', '6mo', 'month', '30d', '7d', 'day'].includes(period)) throw new PlausibleQueryError(`Invalid period "${period}": one of 12mo, 6mo, month, 30d, 7d, day, custom`)
  if (!date) return period
  if (!DAY.test(date)) throw new PlausibleQueryError(`Invalid date "${date}": YYYY-MM-DD`)
  // A named period around another day: the same days, ending at that day (month: that day's month).
  const today = todayIn(ctx.now, timeZone)
  if (period === 'day') return [date, date]
  if (period === 'month') {
    const first = `${date.slice(0, 7)}-01`
    const last = addDays(first, daysInMonth(date) - 1)
    return [first, last < today ? last : today]
  }
  const length = period === '7d' ? 7 : period === '30d' ? 30 : null
  if (length) return [addDays(date, -(length - 1)), date]
  const months = period === '6mo' ? 6 : 12
  const [year, month] = date.split('-').map(Number) as [number, number]
  return [new Date(Date.UTC(year, month - months, 1)).toISOString().slice(0, 10), date]
}

const daysInMonth = (day: string): number => {
  const [year, month] = day.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

const filtersOf = (params: Params) => v1Filters(params.get('filters') ?? '')

const toObject = (metrics: string[], values: Array<null | number>) => Object.fromEntries(metrics.map((metric, index) => [metric, values[index] ?? 0]))

export async function v1Aggregate(params: Params, ctx: PlausibleContext) {
  const site_id = siteIdOf(params)
  const site = await siteByDomain(ctx, site_id)
  const metrics = metricsOf(params)
  const date_range = v1DateRange(params, ctx, ctx.timeZoneOf(site.id))
  const current = await runV2Query({ date_range, filters: filtersOf(params), metrics, site_id }, ctx)
  const values = numbers(current.results[0]?.metrics ?? [])
  const compare = params.get('compare')
  if (compare && compare !== 'previous_period') throw new PlausibleQueryError(`Invalid compare "${compare}": only previous_period`)
  let previous: Array<null | number> | null = null
  if (compare) {
    const [from, to] = current.query.date_range as [string, string]
    const first = from.slice(0, 10)
    const length = daysInRange(first, to.slice(0, 10))
    const before = await runV2Query({ date_range: [addDays(first, -length), addDays(first, -1)], filters: filtersOf(params), metrics, site_id }, ctx)
    previous = numbers(before.results[0]?.metrics ?? [])
  }
  return {
    results: Object.fromEntries(
      metrics.map((metric, index) => {
        const value = values[index] ?? 0
        if (!previous) return [metric, { value }]
        const was = previous[index] ?? 0
        // Rates change in percentage points, counts in percent of the previous value.
        const change = metric === 'bounce_rate' || metric === 'conversion_rate' ? (value ?? 0) - (was ?? 0) : was ? Math.round((((value ?? 0) - was) / was) * 100) : value ? 100 : 0
        return [metric, { change, value }]
      }),
    ),
  }
}

export async function v1Timeseries(params: Params, ctx: PlausibleContext) {
  const site_id = siteIdOf(params)
  const site = await siteByDomain(ctx, site_id)
  const metrics = metricsOf(params)
  const interval = params.get('interval') ?? 'date'
  if (interval !== 'date' && interval !== 'month') throw new PlausibleQueryError(`Invalid interval "${interval}": date or month`)
  const answer: V2Response = await runV2Query(
    { date_range: v1DateRange(params, ctx, ctx.timeZoneOf(site.id)), dimensions: [interval === 'month' ? 'time:month' : 'time:day'], filters: filtersOf(params), include: { time_labels: true }, metrics, site_id },
    ctx,
  )
  // v1 lists every bucket, zeros included.
  const byLabel = new Map(answer.results.map((row) => [row.dimensions[0] as string, numbers(row.metrics)]))
  return {
    results: (answer.meta.time_labels as string[]).map((date) => ({ date, ...toObject(metrics, byLabel.get(date) ?? metrics.map(() => 0)) })),
  }
}

export async function v1Breakdown(params: Params, ctx: PlausibleContext) {
  const site_id = siteIdOf(params)
  const site = await siteByDomain(ctx, site_id)
  const property = params.get('property')
  if (!property) throw new PlausibleQueryError('property is required')
  const metrics = metricsOf(params)
  const limit = Number(params.get('limit') ?? DEFAULT_BREAKDOWN_LIMIT)
  const page = Number(params.get('page') ?? 1)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_V1_LIMIT) throw new PlausibleQueryError(`Invalid limit: a whole number from 1 to ${MAX_V1_LIMIT}`)
  if (!Number.isInteger(page) || page < 1) throw new PlausibleQueryError('Invalid page: a whole number from 1')
  const answer = await runV2Query(
    { date_range: v1DateRange(params, ctx, ctx.timeZoneOf(site.id)), dimensions: [property], filters: filtersOf(params), metrics, pagination: { limit, offset: (page - 1) * limit }, site_id },
    ctx,
  )
  // v1 names the row's value after the property (`event:page` → `page`).
  const key = property.slice(property.indexOf(':') + 1)
  return { results: answer.results.map((row) => ({ [key]: row.dimensions[0], ...toObject(metrics, numbers(row.metrics)) })) }
}

export async function v1RealtimeVisitors(params: Params, ctx: PlausibleContext & { realtime: (siteId: number | string, minutes: number) => Promise<number> }): Promise<number> {
  const site = await siteByDomain(ctx, siteIdOf(params))
  return ctx.realtime(site.id, CURRENT_VISITORS_MINUTES)
}
