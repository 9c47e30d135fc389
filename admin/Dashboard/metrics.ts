/**
 * What the dashboard shows and how: KPI cards, chart series, breakdown lists, and number
 * formatting. Pure, shared by the server views and the client components.
 */
import type { Breakdown, StatsTotalName } from '../../src/stats/types.js'

export type ValueFormat = 'count' | 'decimal' | 'duration' | 'percent'

export interface KpiDefinition {
  /** Whether a rise is good news (bounce rate: no). */
  higherIsBetter: boolean
  key: StatsTotalName
  label: string
  format: ValueFormat
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

/** The ranked lists below the charts, with the column header of their keys. */
export const BREAKDOWN_LISTS: Array<{ breakdown: Breakdown; keyLabel: string; title: string }> = [
  { breakdown: 'pages', keyLabel: 'Page', title: 'Top pages' },
  { breakdown: 'entryPages', keyLabel: 'Page', title: 'Entry pages' },
  { breakdown: 'sources', keyLabel: 'Source', title: 'Sources' },
  { breakdown: 'utmCampaign', keyLabel: 'Campaign', title: 'UTM campaigns' },
  { breakdown: 'countries', keyLabel: 'Country', title: 'Countries' },
  { breakdown: 'browsers', keyLabel: 'Browser', title: 'Browsers' },
  { breakdown: 'os', keyLabel: 'Operating system', title: 'Operating systems' },
  { breakdown: 'devices', keyLabel: 'Device', title: 'Devices' },
]

/** Rows per ranked list. */
export const BREAKDOWN_LIMIT = 10

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const decimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 1 })
const percents = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, style: 'percent' })

/** `1234` → `1,234`; `0.4211` (percent) → `42.1%`; `95` (duration, seconds) → `1m 35s`. */
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

/** The change badge of a KPI: text for the eye and for screen readers, and its tone. */
export function describeChange(
  kpi: Pick<KpiDefinition, 'format' | 'higherIsBetter'>,
  change: { change: number; previous: number; relativeChange: null | number },
): { label: string; text: string; tone: ChangeTone } {
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
