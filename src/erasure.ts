import type { Payload, PayloadRequest } from 'payload'

import type { SanitizedAnalyticsConfig } from './types.js'

/**
 * Delete every analytics row of one site: raw events and their visits, daily and monthly stats, imports and
 * their figures, Search Console figures, and its settings.
 * One `DELETE … WHERE site = $1` per table (no documents are loaded), inside the
 * request's transaction when there is one.
 */
export async function eraseSiteAnalytics(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  siteId: number | string,
  req?: PayloadRequest,
): Promise<void> {
  for (const collection of [cfg.slugs.events, cfg.slugs.visits, cfg.slugs.dailyStats, cfg.slugs.monthlyStats, cfg.slugs.importedStats, cfg.slugs.imports, cfg.slugs.searchStats, cfg.slugs.settings]) {
    await payload.db.deleteMany({ collection, req, where: { site: { equals: siteId } } })
  }
}
