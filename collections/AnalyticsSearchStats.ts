import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { SEARCH_DIMENSIONS } from '../src/core/searchStats.js'
import { ownershipFields, pipelineCollection } from './sharedFields.js'

/**
 * Google Search Console's figures per site and day: the day's totals (`dimension: total`)
 * and its bounded top queries, pages, countries (alpha-2) and devices. Written by the GSC
 * sync only, a (site, day) at a time as a whole; read by whoever may read the site.
 */
export function buildAnalyticsSearchStats(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  return {
    slug: cfg.slugs.searchStats,
    access: pipelineCollection(cfg).access,
    admin: {
      components: pipelineCollection(cfg).listComponents,
      defaultColumns: ['date', 'site', 'dimension', 'key', 'clicks', 'impressions', 'position'],
      description: 'Google Search Console figures per site and day (written by the sources’ sync).',
      group: ADMIN_GROUP,
    },
    defaultSort: '-date',
    fields: [
      ...ownershipFields(cfg, { indexTenant: false }),
      { name: 'date', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayOnly' } } },
      { name: 'dimension', type: 'select', defaultValue: 'total', options: SEARCH_DIMENSIONS.map((value) => ({ label: value, value })), required: true },
      { name: 'key', type: 'text', defaultValue: '' },
      { name: 'clicks', type: 'number', defaultValue: 0, required: true },
      { name: 'impressions', type: 'number', defaultValue: 0, required: true },
      // Impression-weighted sum of positions: averages over days and rows stay exact.
      { name: 'positionSum', type: 'number', admin: { description: 'Average position × impressions.' }, defaultValue: 0, required: true },
      { name: 'final', type: 'checkbox', admin: { description: 'Google’s data for the day was complete when fetched.' }, defaultValue: false },
    ],
    graphQL: false,
    indexes: [{ fields: ['site', 'date', 'dimension', 'key'], unique: true }, { fields: ['site', 'dimension', 'date'] }],
    labels: { plural: 'Search stats', singular: 'Search stats row' },
    lockDocuments: false,
    timestamps: false,
  }
}
