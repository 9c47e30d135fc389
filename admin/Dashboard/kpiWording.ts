/**
 * The KPI lines under a dashboard card (visitors, visits, pageviews): the trend of the range's
 * daily series, its latest 7-day moving average, and the current month's projection with its
 * interval — the stats API's `kpis`, worded. Pure, unit-tested; the growth is the card's badge.
 */
import type { KpiMetric, Kpis, MetricKpis } from '../../src/core/kpis.js'

import { formatValue } from './metrics.js'

export interface KpiNote {
  /** Stable name for tests and styling. */
  kind: 'average' | 'projection' | 'trend'
  /** Longer wording (the tooltip / accessible name). */
  label: string
  text: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Up to one decimal, as people say it (`4`, `3.5`). */
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
const signed = (value: number) => `${value > 0 ? '+' : value < 0 ? '−' : '±'}${oneDecimal.format(Math.abs(value))}`

/** The notes of one metric, in order; a note without enough days to say something is left out. */
export function kpiNotes(metric: MetricKpis): KpiNote[] {
  const notes: KpiNote[] = []
  const { movingAverage, projection, trend } = metric
  if (movingAverage.length >= 2) {
    const fit = trend.r2 === null ? '' : `, fit r² ${trend.r2.toFixed(2)}`
    notes.push({ kind: 'trend', label: `Trend of the daily values over the range: ${signed(trend.slopePerDay)} per day (least squares${fit})`, text: `Trend ${signed(trend.slopePerDay)}/day` })
  }
  const latest = movingAverage.at(-1)
  if (latest !== null && latest !== undefined) {
    notes.push({ kind: 'average', label: `Mean of the last 7 days of the range: ${oneDecimal.format(latest)} per day`, text: `7-day avg ${oneDecimal.format(latest)}` })
  }
  if (projection) {
    const month = MONTHS[Number(projection.month.slice(5, 7)) - 1] ?? projection.month
    const [expected, low, high] = [projection.expected, projection.low, projection.high].map((value) => formatValue(Math.round(value), 'count'))
    notes.push({
      kind: 'projection',
      label: `Projected total for ${projection.month}: ${expected}, 95% interval ${low} to ${high}, from its first ${projection.completeDays} complete days`,
      text: `${month} ≈ ${expected} (${low}–${high})`,
    })
  }
  return notes
}

/** The notes of a card's metric, when the KPIs cover it. */
export const cardNotes = (kpis: Kpis | undefined, key: string): KpiNote[] =>
  kpis && key in kpis.metrics ? kpiNotes(kpis.metrics[key as KpiMetric]) : []
