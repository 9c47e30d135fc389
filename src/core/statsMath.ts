/**
 * From summed daily-stats counters to what the stats API reports: ratios, conversions,
 * the zero-filled time series by day, week or month, and changes between two periods.
 *
 * Visitors over several days are the sum of the daily unique visitors (the visitor hash
 * rotates daily, so nobody can be followed across days — as in Plausible).
 */
import type { BreakdownRow, DayInterval as Interval, Interval as AnyInterval, SeriesPoint, StatsTotalName, StatsTotals, TotalChange } from '../stats/types.js'
import type { EngagementMetric, StatsDimension } from './dimensions.js'

import { COUNTED_EVENT_TYPES, PAGEVIEW, SUMMED_EVENT_TYPES } from './dailyStats.js'
import { STATS_METRICS } from './dimensions.js'
import { BUILT_IN_EVENT_TYPES } from './eventTypes.js'
import { addDays, eachDay } from './statsRange.js'

/** The additive counters the API reads from the `total` rows. */
export const SUMMED_COUNTERS = [...STATS_METRICS, 'conversions'] as const
export type Counters = Record<(typeof SUMMED_COUNTERS)[number], number>

export const zeroCounters = (): Counters => ({
  aiTokens: 0,
  automationRuns: 0,
  bounces: 0,
  conversions: 0,
  engagedMs: 0,
  engagedVisits: 0,
  events: 0,
  exports: 0,
  forms: 0,
  leads: 0,
  pageviews: 0,
  scrollDepthSum: 0,
  scrollVisits: 0,
  totalDuration: 0,
  visitors: 0,
  visits: 0,
})

export function addCounters(into: Counters, add: Counters): Counters {
  for (const name of SUMMED_COUNTERS) into[name] += add[name]
  return into
}

const ratio = (numerator: number, denominator: number): number => (denominator > 0 ? numerator / denominator : 0)

/** The reported totals of summed counters; every ratio is 0 when its denominator is 0. */
export function totalsOf(c: Counters): StatsTotals {
  return {
    aiTokens: c.aiTokens,
    automationRuns: c.automationRuns,
    avgVisitDuration: ratio(c.totalDuration, c.visits),
    bounceRate: ratio(c.bounces, c.visits),
    conversionRate: ratio(c.conversions, c.visitors),
    conversions: c.conversions,
    exports: c.exports,
    forms: c.forms,
    leads: c.leads,
    pageviews: c.pageviews,
    scrollDepth: ratio(c.scrollDepthSum, c.scrollVisits),
    timeOnPage: ratio(c.engagedMs, c.engagedVisits) / 1000,
    viewsPerVisit: ratio(c.pageviews, c.visits),
    visitors: c.visitors,
    visits: c.visits,
  }
}

/**
 * A breakdown row as the API reports it from its summed counters: `page` rows also carry
 * time on page and scroll depth, null when no visit of the range reported them.
 */
export function breakdownRow(
  dimension: StatsDimension,
  row: Pick<BreakdownRow, 'key' | 'pageviews' | 'visitors' | 'visits'> & Record<'events' | EngagementMetric, number>,
): BreakdownRow {
  const { engagedMs, engagedVisits, scrollDepthSum, scrollVisits, ...counts } = row
  if (dimension !== 'page') return counts
  return {
    ...counts,
    scrollDepth: scrollVisits > 0 ? scrollDepthSum / scrollVisits : null,
    timeOnPage: engagedVisits > 0 ? engagedMs / engagedVisits / 1000 : null,
  }
}

export const STATS_TOTAL_NAMES: readonly StatsTotalName[] = Object.keys(totalsOf(zeroCounters())).sort() as StatsTotalName[]

/** What a day's `total` row and its custom events tell about conversions. */
export interface DayCounts {
  /** The `total` row's counters (without conversions). */
  total: Omit<Counters, 'conversions'>
  /** Events per custom event name that day (the `event` dimension). */
  customEvents: ReadonlyMap<string, number>
}

/**
 * Conversions of one site-day: the events of the site's conversion types. Built-in types
 * come from the total row (`ai.usage` events are the events no other counter explains);
 * custom types from the `event` dimension.
 */
export function conversionsOf(day: DayCounts, conversionTypes: readonly string[]): number {
  let sum = 0
  for (const type of new Set(conversionTypes)) {
    if (type === PAGEVIEW) sum += day.total.pageviews
    else if (type in COUNTED_EVENT_TYPES) sum += day.total[COUNTED_EVENT_TYPES[type as keyof typeof COUNTED_EVENT_TYPES]]
    else if (type in SUMMED_EVENT_TYPES) {
      let custom = 0
      for (const count of day.customEvents.values()) custom += count
      const counted = Object.values(COUNTED_EVENT_TYPES).reduce((n, metric) => n + day.total[metric], 0)
      sum += Math.max(0, day.total.events - day.total.pageviews - counted - custom)
    } else if (!(BUILT_IN_EVENT_TYPES as readonly string[]).includes(type)) sum += day.customEvents.get(type) ?? 0
  }
  return sum
}

/** The day a series point starts: the day itself, its ISO week's Monday, or its month's first day — never before `from`. */
export function bucketStart(day: string, interval: Interval, from: string): string {
  let start = day
  if (interval === 'week') {
    const weekday = (new Date(`${day}T00:00:00.000Z`).getUTCDay() + 6) % 7 // Monday = 0
    start = addDays(day, -weekday)
  } else if (interval === 'month') start = `${day.slice(0, 7)}-01`
  return start < from ? from : start
}

/** The start of every bucket of a range, oldest first. */
export function bucketStarts(from: string, to: string, interval: Interval): string[] {
  const starts: string[] = []
  for (const day of eachDay(from, to)) {
    const start = bucketStart(day, interval, from)
    if (starts[starts.length - 1] !== start) starts.push(start)
  }
  return starts
}

/** The series of a range: one point per bucket, zero-filled, with its own ratios. */
export function buildSeries(byDay: ReadonlyMap<string, Counters>, from: string, to: string, interval: Interval): SeriesPoint[] {
  const buckets = new Map(bucketStarts(from, to, interval).map((start) => [start, zeroCounters()]))
  for (const [day, counters] of byDay) {
    if (day < from || day > to) continue
    addCounters(buckets.get(bucketStart(day, interval, from))!, counters)
  }
  return [...buckets].map(([date, counters]) => ({ date, ...totalsOf(counters) }))
}

/** A zero point at `date` (pads the shorter of two aligned series). */
export const zeroPoint = (date: string): SeriesPoint => ({ date, ...totalsOf(zeroCounters()) })

/** The start of the bucket after the one starting at `date` (an hour's: the next hour's first instant, in UTC). */
export function nextBucketStart(date: string, interval: AnyInterval): string {
  if (interval === 'hour') return new Date(Date.parse(date) + 3_600_000).toISOString()
  if (interval === 'day') return addDays(date, 1)
  if (interval === 'week') return addDays(bucketStart(date, 'week', '0000-01-01'), 7)
  const [year, month] = date.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10)
}

/**
 * Two series side by side, position by position (day 1 with day 1, …). With weeks or
 * months the two ranges may have a different number of buckets: the shorter is padded
 * with zero points that continue its own dates.
 */
export function alignSeries(current: SeriesPoint[], previous: SeriesPoint[], interval: AnyInterval): Array<{ current: SeriesPoint; previous: SeriesPoint }> {
  const pad = (series: SeriesPoint[], length: number): SeriesPoint[] => {
    const padded = [...series]
    while (padded.length < length) {
      const last = padded[padded.length - 1]
      padded.push(zeroPoint(last ? nextBucketStart(last.date, interval) : '1970-01-01'))
    }
    return padded
  }
  const length = Math.max(current.length, previous.length)
  const [a, b] = [pad(current, length), pad(previous, length)]
  return a.map((point, i) => ({ current: point, previous: b[i]! }))
}

export function changeOf(current: number, previous: number): TotalChange {
  return { change: current - previous, current, previous, relativeChange: previous === 0 ? null : (current - previous) / previous }
}

export function compareTotals(current: StatsTotals, previous: StatsTotals): Record<StatsTotalName, TotalChange> {
  return Object.fromEntries(STATS_TOTAL_NAMES.map((name) => [name, changeOf(current[name], previous[name])])) as Record<StatsTotalName, TotalChange>
}
