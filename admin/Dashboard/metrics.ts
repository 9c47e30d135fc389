/**
 * What the dashboard shows and how: KPI cards, chart series, breakdown lists, and number
 * formatting. Pure, shared by the server views and the client components.
 */
import type { RevenueSum } from '../../src/core/revenue.js'
import type { Breakdown, BreakdownRow, SeriesPoint, StatsTotalName, UnavailableChange } from '../../src/stats/types.js'

export type ValueFormat = 'count' | 'decimal' | 'duration' | 'percent'

export interface KpiDefinition {
  /** Whether a rise is good news (bounce rate: no). */
  higherIsBetter: boolean
  key: StatsTotalName
  label: string
  format: ValueFormat
}

/**
 * The count each ratio is taken over: a period without any of it has no value of the ratio
 * (the API answers 0 there, which is not a bounce rate of 0%). Counts are their own base.
 */
export const RATIO_BASES: Partial<Record<StatsTotalName, StatsTotalName>> = {
  avgVisitDuration: 'visits',
  bounceRate: 'visits',
  conversionRate: 'visitors',
  viewsPerVisit: 'visits',
}

/** A period's value in a chart: null (a gap, not a 0) for a ratio over nothing, e.g. a day without visits. */
export const seriesValue = (point: SeriesPoint, key: StatsTotalName): null | number => {
  const base = RATIO_BASES[key]
  return base && point[base] === 0 ? null : point[key]
}

/** The KPI cards, in order. */
export const KPIS: KpiDefinition[] = [
  { format: 'count', higherIsBetter: true, key: 'visitors', label: 'Visitors' },
  { format: 'count', higherIsBetter: true, key: 'visits', label: 'Visits' },
  { format: 'count', higherIsBetter: true, key: 'pageviews', label: 'Pageviews' },
  { format: 'decimal', higherIsBetter: true, key: 'viewsPerVisit', label: 'Views per visit' },
  { format: 'percent', higherIsBetter: false, key: 'bounceRate', label: 'Bounce rate' },
  { format: 'duration', higherIsBetter: true, key: 'avgVisitDuration', label: 'Visit duration' },
  { format: 'percent', higherIsBetter: true, key: 'conversionRate', label: 'Conversion rate' },
  { format: 'count', higherIsBetter: true, key: 'leads', label: 'Leads' },
  { format: 'count', higherIsBetter: true, key: 'aiTokens', label: 'AI tokens' },
]

/** A number column of a ranked list: which count of the breakdown row, under which header. */
export interface ListColumn {
  field: Exclude<keyof BreakdownRow, 'key'>
  label: string
  /** What the column counts, where the header alone could be misread (the header's tooltip). */
  description?: string
  /**
   * How its values read (default `count`). A `percent` field holds 0..100. Only `count` columns
   * treat a missing value as 0; the others show a dash, since "no visit reported it" is not 0 s.
   */
  format?: 'count' | 'duration' | 'percent'
}

export interface BreakdownList {
  breakdown: Breakdown
  /** Number columns; the first one sizes the row's bar (the list is ranked by it). */
  columns: ListColumn[]
  keyLabel: string
  title: string
}

const VISITORS: ListColumn = { field: 'visitors', label: 'Visitors' }
const PAGEVIEWS: ListColumn = { field: 'pageviews', label: 'Pageviews' }

/** The ranked lists below the charts, with the column header of their keys. */
export const BREAKDOWN_LISTS: BreakdownList[] = [
  {
    breakdown: 'pages',
    columns: [
      VISITORS,
      PAGEVIEWS,
      { description: 'Engaged time (page visible and focused) per visit that engaged with the page', field: 'timeOnPage', format: 'duration', label: 'Time on page' },
      { description: 'The deepest scroll reached, averaged over visits', field: 'scrollDepth', format: 'percent', label: 'Scroll depth' },
    ],
    keyLabel: 'Page',
    title: 'Top pages',
  },
  {
    breakdown: 'entryPages',
    // Not the page's pageviews (Top pages has those): the visits that began there and all their pageviews.
    columns: [
      VISITORS,
      { description: 'Visits that began on this page', field: 'visits', label: 'Visits' },
      { description: 'Pageviews of the visits that began on this page, on any page', field: 'pageviews', label: 'Views in visits' },
    ],
    keyLabel: 'Page',
    title: 'Entry pages',
  },
  { breakdown: 'sources', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Source', title: 'Sources' },
  { breakdown: 'utmCampaign', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Campaign', title: 'UTM campaigns' },
  { breakdown: 'countries', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Country', title: 'Countries' },
  { breakdown: 'browsers', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Browser', title: 'Browsers' },
  { breakdown: 'os', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Operating system', title: 'Operating systems' },
  { breakdown: 'devices', columns: [VISITORS, PAGEVIEWS], keyLabel: 'Device', title: 'Devices' },
  {
    breakdown: 'events',
    // Ranked by count: server-side events (no visitor) must not fall off the list.
    columns: [{ description: 'Times the event was recorded', field: 'events', label: 'Count' }, VISITORS],
    keyLabel: 'Event',
    title: 'Custom events',
  },
]

/** Rows per ranked list. */
export const BREAKDOWN_LIMIT = 10

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const decimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 1 })
const percents = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, style: 'percent' })

/** `1234` → `1,234`; `0.4211` (percent) → `42.1%`; `95` (duration, seconds) → `1m 35s`. */
/** A ranked list's cell: counts read 0 when absent, the other formats a dash (nothing reported). */
export function columnCell(value: null | number | undefined, format: ListColumn['format'] = 'count'): string {
  if (format === 'count') return formatValue(value ?? 0, 'count')
  if (value === null || value === undefined) return '–'
  return formatValue(format === 'percent' ? value / 100 : value, format)
}

/**
 * Revenue per currency, each in its currency's own style (`€1,234.50 · ¥120`): display only —
 * the exact sums are the API's decimal strings (kept in `data-value`).
 */
export function formatRevenue(sums: readonly RevenueSum[]): string {
  if (sums.length === 0) return '–'
  return sums.map(({ amount, currency }) => new Intl.NumberFormat('en-US', { currency, style: 'currency' }).format(Number(amount))).join(' · ')
}

export function formatValue(value: number, format: ValueFormat): string {
  if (!Number.isFinite(value)) return '–'
  switch (format) {
    case 'count':
      return counts.format(value)
    case 'decimal':
      return decimals.format(value)
    case 'percent':
      return percents.format(value)
    case 'duration': {
      const seconds = Math.round(value)
      if (seconds < 60) return `${seconds}s`
      const minutes = Math.floor(seconds / 60)
      if (minutes < 60) return `${minutes}m ${seconds % 60}s`
      return `${Math.floor(minutes / 60)}h ${minutes % 60}m`
    }
  }
}

export type ChangeTone = 'bad' | 'good' | 'neutral'

/** A total in the current and the previous period (the compare API's shape). */
export interface ChangeInput {
  change: number
  current: number
  previous: number
  relativeChange: null | number
}

/**
 * The change badge of a KPI: text for the eye and for screen readers, and its tone. `base`:
 * for a ratio, the change of the count it is taken over (`RATIO_BASES`). A period without
 * any of that count (or, for a count, of itself) has no data, and then there is nothing to
 * compare: "new" when the previous period is empty, the same on every KPI; for a ratio, "no
 * data" when the current one is. Never a rise or fall against a value that was not measured.
 */
export function describeChange(
  kpi: Pick<KpiDefinition, 'format' | 'higherIsBetter'>,
  change: ChangeInput | UnavailableChange,
  base?: Pick<ChangeInput | UnavailableChange, 'current' | 'previous'>,
): { label: string; text: string; tone: ChangeTone } {
  // The previous period could not be read (filters over a range past raw events): no change to show.
  if (change.previous === null || change.change === null || (base && base.previous === null)) {
    return { label: 'the previous period is not available', text: '—', tone: 'neutral' }
  }
  const counted = (base ?? change) as Pick<ChangeInput, 'current' | 'previous'>
  if (counted.current === 0 && counted.previous === 0) return { label: 'no data in this or the previous period', text: '±0', tone: 'neutral' }
  if (counted.previous === 0) return { label: 'no data in the previous period', text: 'new', tone: 'neutral' }
  // A count that fell to 0 did fall; a ratio over nothing is not a value that fell.
  if (base && base.current === 0) return { label: 'no data in this period', text: 'no data', tone: 'neutral' }
  if (change.change === 0) return { label: 'no change against the previous period', text: '±0', tone: 'neutral' }
  const up = change.change > 0
  const tone: ChangeTone = up === kpi.higherIsBetter ? 'good' : 'bad'
  const arrow = up ? '↑' : '↓'
  // Rates change in points, not in percent of a percent.
  const amount =
    kpi.format === 'percent'
      ? `${(Math.abs(change.change) * 100).toFixed(1)} pts`
      : change.relativeChange === null
        ? 'new'
        : percents.format(Math.abs(change.relativeChange))
  const previous = formatValue(change.previous, kpi.format)
  return { label: `${up ? 'up' : 'down'} ${amount} against the previous period (${previous})`, text: `${arrow} ${amount}`, tone }
}
