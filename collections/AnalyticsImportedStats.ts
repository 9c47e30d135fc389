import type { CollectionConfig, Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { dimensionField, keyField, statsMetricFields } from './AnalyticsDailyStats.js'
import { pipelineCollection } from './sharedFields.js'

/**
 * Imported daily figures (Plausible CSV, Plausible Stats API, Matomo…), kept apart from our
 * own daily stats so an import can be deleted on its own and switched off in queries. The
 * same shape as a daily-stats row plus the import it came from. Written and deleted only
 * through `src/imports/store.ts`. `site` and `importId` are plain id columns, not
 * relationships: no foreign key checked per row on bulk writes, and the import's rows are
 * deleted with it (its afterDelete hook).
 */
export function buildAnalyticsImportedStats(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const metricFields = statsMetricFields()
  const site: Field =
    cfg.sites.idType === 'number'
      ? { name: 'site', type: 'number', admin: { description: `Id of the site (${cfg.slugs.sites}).` }, required: true }
      : { name: 'site', type: 'text', admin: { description: `Id of the site (${cfg.slugs.sites}).` }, required: true }
  return {
    slug: cfg.slugs.importedStats,
    access: pipelineCollection(cfg).access,
    admin: {
      components: pipelineCollection(cfg).listComponents,
      defaultColumns: ['date', 'site', 'importId', 'dimension', 'key', 'visitors', 'visits', 'pageviews'],
      description: 'Daily statistics brought in by imports; deleted with their import.',
      group: ADMIN_GROUP,
      hidden: true,
    },
    defaultSort: '-date',
    fields: [
      site,
      { name: 'importId', type: 'text', admin: { description: `Id of the import (${cfg.slugs.imports}) that wrote the row.` }, required: true },
      { name: 'date', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayOnly' }, description: 'The site’s local day.' } },
      dimensionField(),
      keyField(),
      { type: 'row', fields: metricFields.slice(0, 5) },
      { type: 'row', fields: metricFields.slice(5) },
    ],
    graphQL: false,
    lockDocuments: false,
    // The unique key serves the writes' upserts and deleting one import; the stats reads scan
    // one dimension of a site over a range of days, as on the daily stats.
    indexes: [{ fields: ['importId', 'date', 'dimension', 'key'], unique: true }, { fields: ['site', 'dimension', 'date'] }],
    labels: { plural: 'Imported stats', singular: 'Imported stats row' },
    timestamps: false,
  }
}
