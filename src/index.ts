import type { CollectionBeforeDeleteHook, CollectionConfig, Config } from 'payload'

import type { AnalyticsPluginOptions, SanitizedAnalyticsConfig } from './types.js'

import { buildAnalyticsDailyStats } from '../collections/AnalyticsDailyStats.js'
import { buildAnalyticsEvents } from '../collections/AnalyticsEvents.js'
import { buildAnalyticsSettings } from '../collections/AnalyticsSettings.js'
import { buildSites } from '../collections/Sites.js'
import { eraseSiteAnalytics } from './erasure.js'
import { sanitizeOptions } from './options.js'

export type { AnalyticsPluginOptions, CollectionOverride, SanitizedAnalyticsConfig } from './types.js'
export { BUILT_IN_EVENT_TYPES, type BuiltInEventType } from './core/eventTypes.js'
export { STATS_DIMENSIONS, STATS_METRICS } from './core/dimensions.js'
export { resolveSiteSettings, type EffectiveSiteSettings } from './core/siteSettings.js'
export { eraseSiteAnalytics } from './erasure.js'
export { DEFAULT_SLUGS } from './constants.js'

/** Adds the analytics collections, and the plugin's hooks, to the host's sites collection. */
function wireSites(sites: CollectionConfig, cfg: SanitizedAnalyticsConfig): CollectionConfig {
  // Before, not after: the rows' foreign keys would otherwise be set to null by the delete.
  const eraseOnDelete: CollectionBeforeDeleteHook = async ({ id, req }) => {
    await eraseSiteAnalytics(req.payload, cfg, id, req)
  }
  return {
    ...sites,
    hooks: { ...sites.hooks, beforeDelete: [...(sites.hooks?.beforeDelete ?? []), eraseOnDelete] },
  }
}

/**
 * Privacy-first, cookie-free, multi-tenant analytics for Payload.
 *
 * ```ts
 * plugins: [multiTenantPlugin({ … }), analyticsPlugin()]
 * ```
 */
export const analyticsPlugin =
  (options: AnalyticsPluginOptions = {}) =>
  (incoming: Config): Config => {
    const cfg = sanitizeOptions(options, incoming)
    const config: Config = { ...incoming, collections: [...(incoming.collections ?? [])] }
    const collections = config.collections ?? []

    if (cfg.sites.pluginOwned) collections.push(buildSites(cfg))
    const sitesIndex = collections.findIndex((collection) => collection.slug === cfg.slugs.sites)
    collections[sitesIndex] = wireSites(collections[sitesIndex]!, cfg)

    // The collections stay even when disabled, so the database schema does not move.
    collections.push(buildAnalyticsEvents(cfg), buildAnalyticsDailyStats(cfg), buildAnalyticsSettings(cfg))
    config.custom = { ...config.custom, analytics: cfg }

    if (!cfg.enabled) return config

    const incomingOnInit = config.onInit
    config.onInit = async (payload) => {
      if (incomingOnInit) await incomingOnInit(payload)
      if (payload.db.name !== 'postgres') {
        throw new Error(
          `payload-plugin-analytics needs the Postgres adapter (@payloadcms/db-postgres); this project uses "${payload.db.name}".`,
        )
      }
    }

    return config
  }

/** The sanitized plugin config of a running Payload instance (set by `analyticsPlugin`). */
export const getAnalyticsConfig = (config: { custom?: Record<string, unknown> }): SanitizedAnalyticsConfig => {
  const cfg = config.custom?.analytics as SanitizedAnalyticsConfig | undefined
  if (!cfg) throw new Error('payload-plugin-analytics is not installed in this Payload config.')
  return cfg
}
