import type { Config } from 'payload'

import type { AnalyticsPluginOptions } from './types.js'

import { buildAnalyticsAlerts } from '../collections/AnalyticsAlerts.js'
import { buildAnalyticsApiKeys } from '../collections/AnalyticsApiKeys.js'
import { buildAnalyticsAuditLog } from '../collections/AnalyticsAuditLog.js'
import { buildAnalyticsDailyStats } from '../collections/AnalyticsDailyStats.js'
import { buildAnalyticsEvents } from '../collections/AnalyticsEvents.js'
import { buildAnalyticsImportedStats } from '../collections/AnalyticsImportedStats.js'
import { buildAnalyticsImports } from '../collections/AnalyticsImports.js'
import { buildAnalyticsMonthlyStats } from '../collections/AnalyticsMonthlyStats.js'
import { buildAnalyticsReportDeliveries } from '../collections/AnalyticsReportDeliveries.js'
import { buildAnalyticsReports } from '../collections/AnalyticsReports.js'
import { buildAnalyticsSalts } from '../collections/AnalyticsSalts.js'
import { buildAnalyticsSearchStats } from '../collections/AnalyticsSearchStats.js'
import { buildAnalyticsVisits } from '../collections/AnalyticsVisits.js'
import { buildAnalyticsSettings } from '../collections/AnalyticsSettings.js'
import { buildAnalyticsSources } from '../collections/AnalyticsSources.js'
import { withoutVersionRoutes } from '../collections/noVersions.js'
import { buildSites } from '../collections/Sites.js'
import { metricsEndpoint } from './endpoints/metrics.js'
import { plausibleApiEndpoints } from './endpoints/plausibleApi.js'
import { reportEndpoints } from './endpoints/reports.js'
import { scriptEndpoints } from './endpoints/script.js'
import { siteActionEndpoints } from './endpoints/siteActions.js'
import { importEndpoints } from './endpoints/imports.js'
import { sourceEndpoints } from './endpoints/sources.js'
import { statsEndpoints } from './endpoints/stats.js'
import { trackEndpoints } from './endpoints/track.js'
import { guardDocumentLocks } from './access/documentLocks.js'
import { wireAdmin } from './adminWiring.js'
import { wireFormSubmissions, wireSettings, wireSites } from './hooks.js'
import { sanitizeOptions } from './options.js'
import { createAnalyticsRuntime } from './runtime.js'

export type { AggregationOptions, AnalyticsPluginOptions, CollectionOverride, RetentionOptions, SanitizedAnalyticsConfig } from './types.js'
export type { AggregationResult } from '../jobs/aggregate.js'
export type { ReaggregateProgress, ReaggregateResult } from '../jobs/reaggregate.js'
export { ReaggregateInputError } from '../jobs/reaggregate.js'
export type { RetentionResult } from '../jobs/retention.js'
export type { AnalyticsJobs, JobEventMap, JobSource, ReaggregateRequest } from '../jobs/scheduler.js'
export { BUILT_IN_EVENT_TYPES, type BuiltInEventType } from './core/eventTypes.js'
export { ROLLUP_METRICS, STATS_DIMENSIONS, STATS_METRICS } from './core/dimensions.js'
export { MAX_REVENUE_AMOUNT, type Revenue, type RevenueSum } from './core/revenue.js'
export { resolveSiteSettings, type EffectiveSiteSettings } from './core/siteSettings.js'
export { getAnalyticsConfig } from './analyticsConfig.js'
export { eraseSiteAnalytics } from './erasure.js'
export { audit, type AuditAction, type AuditActor, type AuditEntry, type AuditVia } from './audit.js'
export { DEFAULT_SLUGS } from './constants.js'
export { AnalyticsInputError, type AnalyticsRuntime } from './runtime.js'
export { analyticsScriptTag, scriptUrl, type ScriptTagOptions } from './snippet.js'
export { trackServerEvent } from './trackServerEvent.js'
export * from './stats/types.js'
export { StatsError } from './stats/errors.js'
export { newShareToken } from '../collections/AnalyticsSettings.js'
export { TRACKER_STUB } from './tracker/stub.js'

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
    collections[sitesIndex] = withoutVersionRoutes(wireSites(collections[sitesIndex]!, cfg))

    // The collections stay even when disabled, so the database schema does not move.
    const settings = buildAnalyticsSettings(cfg)
    collections.push(
      ...[
        buildAnalyticsEvents(cfg),
        buildAnalyticsDailyStats(cfg),
        buildAnalyticsMonthlyStats(cfg),
        buildAnalyticsVisits(cfg),
        cfg.enabled ? wireSettings(settings) : settings,
        buildAnalyticsSalts(cfg),
        buildAnalyticsAuditLog(cfg),
        buildAnalyticsReports(cfg),
        buildAnalyticsReportDeliveries(cfg),
        buildAnalyticsAlerts(cfg),
        buildAnalyticsImports(cfg),
        buildAnalyticsImportedStats(cfg),
        buildAnalyticsSources(cfg),
        buildAnalyticsSearchStats(cfg),
        buildAnalyticsApiKeys(cfg),
      ].map(withoutVersionRoutes),
    )
    config.custom = { ...config.custom, analytics: cfg }

    if (!cfg.enabled) return config

    if (cfg.formSubmissions) {
      const index = collections.findIndex((collection) => collection.slug === cfg.formSubmissions!.collection)
      collections[index] = wireFormSubmissions(collections[index]!, cfg)
    }
    config.endpoints = [
      ...(config.endpoints ?? []),
      ...trackEndpoints,
      ...scriptEndpoints,
      metricsEndpoint(cfg.metrics),
      ...statsEndpoints,
      ...plausibleApiEndpoints,
      ...siteActionEndpoints(cfg),
      ...importEndpoints(cfg),
      ...reportEndpoints(cfg),
      ...sourceEndpoints(cfg),
    ]
    config.admin = wireAdmin(config.admin)

    const incomingOnInit = config.onInit
    config.onInit = async (payload) => {
      if (incomingOnInit) await incomingOnInit(payload)
      if (payload.db.name !== 'postgres') {
        throw new Error(
          `payload-plugin-analytics needs the Postgres adapter (@payloadcms/db-postgres); this project uses "${payload.db.name}".`,
        )
      }
      guardDocumentLocks(payload, [cfg.slugs.sites, cfg.slugs.reports, cfg.slugs.alerts, cfg.slugs.sources])
      const runtime = await createAnalyticsRuntime(payload, cfg)
      payload.analytics = runtime
      const destroy = payload.destroy
      payload.destroy = async () => {
        await runtime.close()
        await destroy()
      }
    }

    return config
  }

