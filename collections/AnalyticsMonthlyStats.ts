import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { dimensionField, keyField, statsMetricFields } from './AnalyticsDailyStats.js'
import { applyOverride } from './applyOverride.js'
import { ownershipFields, pipelineCollection } from './sharedFields.js'

/**
 * One row per (site, month, dimension, key): the sum of that month's daily-stats rows,
 * recomputed as absolute values in the same transaction that rewrites any of its days
 * (`src/store/recomputeMonthlyStats.ts`). A year of breakdowns then reads about 12 rows per
 * key instead of 365. Hidden: it holds nothing the daily stats do not.
 */
export function buildAnalyticsMonthlyStats(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const metricFields = statsMetricFields({ revenue: true })
  const base: CollectionConfig = {
    slug: cfg.slugs.monthlyStats,
    access: pipelineCollection(cfg).access,
    admin: {
      description: 'Monthly sums of the daily statistics, for long ranges.',
      group: ADMIN_GROUP,
      hidden: true,
    },
    defaultSort: '-month',
    fields: [
      ...ownershipFields(cfg, { indexTenant: true }),
      { name: 'month', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayOnly' }, description: "The first day of the site's local month (its date at 00:00 UTC)." } },
      dimensionField(),
      keyField(),
      { type: 'row', fields: metricFields.slice(0, 5) },
      { type: 'row', fields: metricFields.slice(5) },
    ],
    graphQL: false,
    lockDocuments: false,
    // As the daily stats: the unique key serves the recompute's upserts, (site, dimension, month) the range
    // reads, and with visitors a month's rows in the pruned breakdowns' order.
    indexes: [{ fields: ['site', 'month', 'dimension', 'key'], unique: true }, { fields: ['site', 'dimension', 'month', 'visitors'] }],
    labels: { plural: 'Monthly stats', singular: 'Monthly stats row' },
    timestamps: false,
  }
  return applyOverride(base, cfg.overrides.monthlyStats)
}
