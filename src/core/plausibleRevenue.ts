/**
 * Plausible's revenue metrics (`total_revenue`, `average_revenue`) from our revenue per
 * currency, as its Stats API v2 documentation describes them: a value is
 * `{ value, currency, short, long }` in one currency, or null with a `meta.metric_warnings`
 * entry saying why. We keep amounts in the currency they were sent in (no conversion), so a
 * "revenue goal" here is a goal with revenue in the range, in its one currency; a goal whose
 * conversions came in several currencies has no single value.
 */
import type { RevenueSum } from './revenue.js'

import { REVENUE_DECIMALS } from './revenue.js'

export const REVENUE_METRICS = ['average_revenue', 'total_revenue'] as const
export type RevenueMetric = (typeof REVENUE_METRICS)[number]
export const isRevenueMetric = (metric: string): metric is RevenueMetric => (REVENUE_METRICS as readonly string[]).includes(metric)

/** A revenue metric's value as Plausible answers it. */
export interface PlausibleRevenue {
  currency: string
  /** Human-friendly, in full: `$96,336,315.00`. */
  long: string
  /** Human-friendly, compact: `$96.3M`. */
  short: string
  value: number
}

/** Plausible's warning codes and wording for revenue metrics that could not be calculated. */
export const REVENUE_WARNINGS = {
  no_revenue_goals_matching: 'Revenue metrics are null as there are no matching revenue goals.',
  no_single_revenue_currency: 'Revenue metrics are null as there are multiple currencies for the selected event:goals.',
} as const
export type RevenueWarning = keyof typeof REVENUE_WARNINGS

const SCALE = 10 ** REVENUE_DECIMALS

export function plausibleRevenue(value: number, currency: string): PlausibleRevenue {
  return {
    currency,
    long: new Intl.NumberFormat('en-US', { currency, style: 'currency' }).format(value),
    short: new Intl.NumberFormat('en-US', { currency, maximumFractionDigits: 1, minimumFractionDigits: 0, notation: 'compact', style: 'currency' }).format(value),
    value,
  }
}

/**
 * A revenue metric over some conversions and their revenue per currency: the total, or the
 * total per conversion (to `REVENUE_DECIMALS` places); null with a warning without revenue or
 * with more than one currency.
 */
export function revenueMetric(metric: RevenueMetric, sums: readonly RevenueSum[], conversions: number): { value: null | PlausibleRevenue; warning: null | RevenueWarning } {
  if (sums.length === 0) return { value: null, warning: 'no_revenue_goals_matching' }
  if (sums.length > 1) return { value: null, warning: 'no_single_revenue_currency' }
  const { amount, currency } = sums[0]!
  const total = Number(amount)
  if (metric === 'total_revenue') return { value: plausibleRevenue(total, currency), warning: null }
  return { value: plausibleRevenue(conversions > 0 ? Math.round((total * SCALE) / conversions) / SCALE : 0, currency), warning: null }
}

/** `meta.metric_warnings` for the revenue metrics asked for, from the warning each got (if any). */
export function metricWarnings(warnings: ReadonlyMap<RevenueMetric, RevenueWarning>): Record<string, { code: RevenueWarning; warning: string }> {
  return Object.fromEntries([...warnings].map(([metric, code]) => [metric, { code, warning: REVENUE_WARNINGS[code] }]))
}
