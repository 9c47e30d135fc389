import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { pluginWritesOnly } from './sharedFields.js'

/**
 * Daily visitor-hash salts when there is no Redis (one instance): kept so hashes stay
 * stable across restarts, deleted once their day is older than yesterday. Hidden, and
 * closed to every API: a salt must never leave the server.
 */
export function buildAnalyticsSalts(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  return {
    slug: cfg.slugs.salts,
    access: { create: pluginWritesOnly, delete: pluginWritesOnly, read: pluginWritesOnly, update: pluginWritesOnly },
    admin: { hidden: true },
    fields: [
      { name: 'day', type: 'text', required: true, unique: true },
      { name: 'salt', type: 'text', required: true },
    ],
    graphQL: false,
    lockDocuments: false,
    timestamps: false,
  }
}
