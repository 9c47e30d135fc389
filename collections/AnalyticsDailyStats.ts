import type { CollectionConfig, Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { ROLLUP_METRICS, STATS_DIMENSIONS, STATS_METRICS } from '../src/core/dimensions.js'
import { applyOverride } from './applyOverride.js'
import { ownershipFields, pipelineCollection } from './sharedFields.js'

const METRIC_DESCRIPTIONS: Record<(typeof ROLLUP_METRICS)[number], string> = {
  aiTokens: 'Sum of the values of ai.usage events.',
  automationRuns: 'automation.run events.',
  bounces: 'Visits with a single pageview.',
  events: 'Events of any type (for the `event` dimension: of that custom event).',
  exports: 'export.completed events.',
  forms: 'form.submit events.',
  leads: 'lead.created events.',
  pageviews: 'Pageviews.',
  totalDuration: 'Seconds between the first and last event of every visit, summed.',
  visitors: 'Unique visitors (daily hash).',
  visits: 'Sessions (30 minutes of inactivity end one).',
  scrollDepthSum: 'Sum over visits (per page) of the deepest scroll reached, in percent.',
  scrollVisits: 'Visits (per page) that reported a scroll depth.',
  engagedMs: 'Milliseconds the page was visible and focused, summed.',
  engagedVisits: 'Visits (per page) with engaged time.',
  revenue: 'revenue / eventRevenue rows: the exact sum of the amounts, in the currency of the key.',
}

/**
 * The additive counters of a stats row; with `revenue` (the daily and monthly rollups) also the
 * revenue sum. Imported rows have no revenue.
 */
export function statsMetricFields(options: { revenue?: boolean } = {}): Field[] {
  return (options.revenue ? ROLLUP_METRICS : STATS_METRICS).map((name) => ({
    name,
    type: 'number',
    admin: { description: METRIC_DESCRIPTIONS[name] },
    defaultValue: 0,
    required: true,
  }))
}

/** The `dimension` select of a stats row. */
export const dimensionField = (): Field => ({
  name: 'dimension',
  type: 'select',
  defaultValue: 'total',
  options: STATS_DIMENSIONS.map((value) => ({ label: value, value })),
  required: true,
})

/** The `key` text of a stats row. */
export const keyField = (): Field => ({
  name: 'key',
  type: 'text',
  admin: { description: 'The breakdown value (a path, a source, a country…); empty for totals.' },
  defaultValue: '',
})

/**
 * One row per (site, day, dimension, key): the `total` dimension holds the day's totals,
 * the others its breakdowns. Recomputed as absolute values by the aggregation job only.
 */
export function buildAnalyticsDailyStats(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const metricFields = statsMetricFields({ revenue: true })

  const base: CollectionConfig = {
    slug: cfg.slugs.dailyStats,
    access: pipelineCollection(cfg).access,
    admin: {
      components: pipelineCollection(cfg).listComponents,
      defaultColumns: ['date', 'site', 'dimension', 'key', 'visitors', 'visits', 'pageviews'],
      description: `Daily statistics per site and breakdown, kept ${cfg.retention.statsDays} days.`,
      enableListViewSelectAPI: true,
      group: ADMIN_GROUP,
      pagination: { defaultLimit: 50 },
    },
    defaultSort: '-date',
    fields: [
      ...ownershipFields(cfg, { indexTenant: true }),
      { name: 'date', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayOnly' }, description: "The site's local day (its date at 00:00 UTC)." } },
      dimensionField(),
      keyField(),
      { type: 'row', fields: metricFields.slice(0, 5) },
      { type: 'row', fields: metricFields.slice(5) },
    ],
    graphQL: false,
    lockDocuments: false,
    // The unique key serves the aggregation's upserts; the stats API reads one dimension of
    // a site over a range of days, which (site, dimension, date) finds without the other rows —
    // and a day's rows by visitors, for the pruned breakdowns (`src/core/topKeysBound.ts`).
    indexes: [{ fields: ['site', 'date', 'dimension', 'key'], unique: true }, { fields: ['site', 'dimension', 'date', 'visitors'] }],
    labels: { plural: 'Daily stats', singular: 'Daily stats row' },
    timestamps: false,
  }
  return applyOverride(base, cfg.overrides.dailyStats)
}
