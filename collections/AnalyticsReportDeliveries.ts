import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { GLOBAL_DEFAULTS, mayManageDefaults } from '../src/access/settingsAccess.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { pluginWritesOnly } from './sharedFields.js'

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/**
 * One row per delivery of a report occurrence (each email recipient, the webhook) or alert:
 * its unique `key` makes it sent once across every instance (the instance whose insert wins
 * sends), `attempts` and `status` log the tries, and `idempotencyKey` goes with every try, so
 * a receiver recognises a retry after a crash between sending and logging. Read by admins.
 */
export function buildAnalyticsReportDeliveries(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  return {
    slug: cfg.slugs.reportDeliveries,
    access: {
      create: pluginWritesOnly,
      delete: pluginWritesOnly,
      read: ({ req }) => mayManageDefaults(req, cfg, GLOBAL_DEFAULTS),
      update: pluginWritesOnly,
    },
    admin: { defaultColumns: ['createdAt', 'kind', 'channel', 'recipient', 'status', 'attempts'], group: ADMIN_GROUP, useAsTitle: 'key' },
    fields: [
      { name: 'key', type: 'text', required: true, unique: true },
      { name: 'kind', type: 'text', admin: { description: 'report or alert' }, required: true },
      { name: 'source', type: 'text', admin: { description: 'Id of the report, or the site of an alert.' }, index: true },
      { name: 'occurrence', type: 'date', admin: { date: { pickerAppearance: 'dayAndTime' } }, required: true },
      { name: 'missed', type: 'checkbox', defaultValue: false },
      { name: 'channel', type: 'text', admin: { description: 'email or webhook' }, required: true },
      { name: 'recipient', type: 'text' },
      { name: 'status', type: 'text', admin: { description: DELIVERY_STATUSES.join(', ') }, defaultValue: 'pending', index: true, required: true },
      { name: 'attempts', type: 'number', defaultValue: 0, required: true },
      { name: 'responseStatus', type: 'number' },
      { name: 'error', type: 'text' },
      { name: 'idempotencyKey', type: 'text', required: true },
      { name: 'sentAt', type: 'date' },
    ],
    graphQL: false,
    labels: { plural: 'Report deliveries', singular: 'Report delivery' },
    lockDocuments: false,
  }
}
