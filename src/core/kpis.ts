/**
 * Key performance indicators of a daily series: growth against the previous period, the
 * least-squares trend, a 7-day moving average and a projection of the current month's
 * total. Pure: the callers pass the numbers (the stats service its daily series, reports
 * their ranges).
 */
import type { TotalChange } from '../stats/types.js'

import { changeOf } from './statsMath.js'

/** Metrics the KPIs are computed for (additive daily counters, so sums and projections mean something). */
export const KPI_METRICS = ['visitors', 'visits', 'pageviews', 'conversions'] as const
export type KpiMetric = (typeof KPI_METRICS)[number]

/** Days in the moving average. */
export const MOVING_AVERAGE_DAYS = 7

/** z of the two-sided 95 % normal interval. */
const Z_95 = 1.959964

export interface Trend {
  /** Least-squares intercept: the fitted value of the first day. */
  intercept: number
  /** Coefficient of determination of the fit, 0..1; null when the series is flat (nothing to explain) or shorter than 2 days. */
  r2: null | number
  /** Least-squares slope: change per day. 0 for fewer than 2 days. */
  slopePerDay: number
}

/** Least-squares line through (0, v0), (1, v1), … — the trend of a daily series. */
export function linearTrend(values: readonly number[]): Trend {
  const n = values.length
  if (n === 0) return { intercept: 0, r2: null, slopePerDay: 0 }
  const meanX = (n - 1) / 2
  const meanY = values.reduce((sum, v) => sum + v, 0) / n
  if (n < 2) return { intercept: meanY, r2: null, slopePerDay: 0 }
  let sxy = 0
  let sxx = 0
  let syy = 0
  values.forEach((v, x) => {
    sxy += (x - meanX) * (v - meanY)
    sxx += (x - meanX) ** 2
    syy += (v - meanY) ** 2
  })
  const slope = sxy / sxx
  // r² of a simple linear fit is the squared correlation: sxy² / (sxx · syy).
  return { intercept: meanY - slope * meanX, r2: syy === 0 ? null : (sxy * sxy) / (sxx * syy), slopePerDay: slope }
}

/**
 * Trailing moving average: position i is the mean of values i−window+1 … i; null until a
 * whole window is there (a shorter mean would swing on the first days).
 */
export function movingAverage(values: readonly number[], window = MOVING_AVERAGE_DAYS): Array<null | number> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError('movingAverage: window must be a whole number ≥ 1')
  let sum = 0
  return values.map((v, i) => {
    sum += v
    if (i >= window) sum -= values[i - window]!
    return i >= window - 1 ? sum / window : null
  })
}

export interface MonthProjection {
  /** Whole days of the month already over (the base of the projection). */
  completeDays: number
  /** Days of the month. */
  daysInMonth: number
  /** Projected month total: `soFar` + remaining days × the mean of the complete days. */
  expected: number
  /** Upper bound of the 95 % interval. */
  high: number
  /** Lower bound of the 95 % interval, never below `soFar`. */
  low: number
  /** `YYYY-MM` */
  month: string
  /** Total of the complete days. */
  soFar: number
}

/**
 * The month's total projected from its complete days: their mean for each remaining day,
 * with a 95 % prediction interval treating days as independent draws — the variance of a
 * sum of k future days is k·s² plus k²·s²/n for the uncertainty of the mean itself (s: the
 * sample standard deviation of the n complete days). Null before two complete days (no
 * spread to measure).
 */
export function projectMonth(month: string, completeDays: readonly number[], daysInMonth: number): MonthProjection | null {
  const n = completeDays.length
  if (n < 2 || n > daysInMonth) return null
  const soFar = completeDays.reduce((sum, v) => sum + v, 0)
  const mean = soFar / n
  const variance = completeDays.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1)
  const k = daysInMonth - n
  const expected = soFar + k * mean
  const margin = Z_95 * Math.sqrt(variance * (k + (k * k) / n))
  return { completeDays: n, daysInMonth, expected, high: expected + margin, low: Math.max(soFar, expected - margin), month, soFar }
}

/** Days of a `YYYY-MM` month. */
export const daysInMonth = (month: string): number => {
  const [year, m] = month.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(year, m, 0)).getUTCDate()
}

export interface MetricKpis {
  growth: TotalChange
  /** Aligned with the range's days (`dates`). */
  movingAverage: Array<null | number>
  /** The current month's projection (null when fewer than two of its days are over). */
  projection: MonthProjection | null
  trend: Trend
}

export interface Kpis {
  /** The range's days, oldest first (the x axis of `movingAverage` and of the trend, day 0 first). */
  dates: string[]
  metrics: Record<KpiMetric, MetricKpis>
  /** The range the growth compares against (same length, just before). */
  previousRange: { from: string; to: string }
}

export interface KpiInput {
  /** Per metric, the range's daily values (oldest first) — aligned with `dates`. */
  current: Record<KpiMetric, number[]>
  dates: string[]
  /** The current month's complete days, per metric. */
  month: { days: Record<KpiMetric, number[]>; month: string }
  previousRange: { from: string; to: string }
  /** Per metric, the previous range's total. */
  previousTotals: Record<KpiMetric, number>
}

/** Every KPI of every KPI metric. */
export function computeKpis(input: KpiInput): Kpis {
  const monthDays = daysInMonth(input.month.month)
  const metrics = Object.fromEntries(
    KPI_METRICS.map((name) => {
      const values = input.current[name]
      const total = values.reduce((sum, v) => sum + v, 0)
      return [
        name,
        {
          growth: changeOf(total, input.previousTotals[name]),
          movingAverage: movingAverage(values),
          projection: projectMonth(input.month.month, input.month.days[name], monthDays),
          trend: linearTrend(values),
        },
      ]
    }),
  ) as Record<KpiMetric, MetricKpis>
  return { dates: input.dates, metrics, previousRange: input.previousRange }
}
