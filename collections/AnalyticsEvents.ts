import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { DEVICE_CLASSES, SCREEN_CLASSES } from '../src/core/dimensions.js'
import { applyOverride } from './applyOverride.js'
import { eventOwnershipFields, pipelineCollection } from './sharedFields.js'

const text = (name: string, label?: string) => ({ name, type: 'text' as const, ...(label ? { label } : {}) })

/**
 * Raw events, written in bulk by the aggregation job and kept for the retention window.
 * Never an IP address, never a user-agent string.
 */
export function buildAnalyticsEvents(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const base: CollectionConfig = {
    slug: cfg.slugs.events,
    access: pipelineCollection(cfg).access,
    admin: {
      components: pipelineCollection(cfg).listComponents,
      defaultColumns: ['timestamp', 'type', 'site', 'path', 'source', 'country', 'browser', 'device'],
      description: `Raw events, kept ${cfg.retention.eventsDays} days unless a site’s settings say otherwise.`,
      enableListViewSelectAPI: true,
      group: ADMIN_GROUP,
      pagination: { defaultLimit: 50 },
      useAsTitle: 'type',
    },
    defaultSort: '-timestamp',
    fields: [
      { name: 'eventId', type: 'text', required: true, unique: true, admin: { description: 'Unique id; makes retries idempotent.' } },
      ...eventOwnershipFields(cfg),
      { name: 'type', type: 'text', required: true, admin: { description: 'pageview, lead.created, form.submit, automation.run, ai.usage, export.completed or a custom name.' } },
      // Its own index for the admin list (newest first across every site); `(site, timestamp)`
      // serves the pipeline and per-site lists.
      { name: 'timestamp', type: 'date', index: true, required: true, admin: { date: { pickerAppearance: 'dayAndTime' } } },
      text('path'),
      text('hostname'),
      { ...text('source', 'Referrer source'), admin: { description: 'Search engine, social network or referring domain; empty for direct traffic.' } },
      {
        type: 'row',
        fields: [
          text('utmSource', 'UTM source'),
          text('utmMedium', 'UTM medium'),
          text('utmCampaign', 'UTM campaign'),
          text('utmTerm', 'UTM term'),
          text('utmContent', 'UTM content'),
        ],
      },
      {
        type: 'row',
        fields: [
          { ...text('country'), admin: { description: 'ISO 3166-1 alpha-2.' } },
          text('browser'),
          text('os', 'OS'),
          { name: 'device', type: 'select', options: DEVICE_CLASSES.map((value) => ({ label: value, value })) },
          { name: 'screen', type: 'select', options: SCREEN_CLASSES.map((value) => ({ label: value, value })) },
        ],
      },
      { name: 'visitorHash', type: 'text', admin: { description: 'Keyed hash with a salt rotated daily and then deleted: not reversible.' } },
      text('sessionId', 'Session id'),
      { name: 'value', type: 'number', admin: { description: 'Numeric value, e.g. AI tokens.' } },
      {
        type: 'row',
        fields: [
          // Postgres `numeric`: the amount exactly as sent (rounded to 4 places), summed without floats.
          { name: 'revenueAmount', type: 'number', admin: { description: 'Revenue amount (exact decimal), in revenueCurrency.' } },
          { ...text('revenueCurrency', 'Revenue currency'), admin: { description: 'ISO 4217, upper case.' } },
        ],
      },
      { name: 'props', type: 'json', admin: { description: 'Small custom properties (primitive values).' } },
    ],
    graphQL: false,
    lockDocuments: false,
    // `(site, type, timestamp)`: filters on an event name or a goal, and funnel steps, read one
    // site's events of some types over a range without the rest.
    indexes: [{ fields: ['site', 'timestamp'] }, { fields: ['site', 'type', 'timestamp'] }],
    labels: { plural: 'Events', singular: 'Event' },
    timestamps: false,
  }
  return applyOverride(base, cfg.overrides.events)
}
