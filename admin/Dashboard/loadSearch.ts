/**
 * The Search panel's data: a site's Search Console figures over the dashboard's range, from
 * the same store read as `GET /api/analytics/search` (same top-list length as its default),
 * and whether a Search Console source maps the site (what the hint says when there is no data).
 * Called only after the stats service has answered for the site: the caller may read it.
 */
import type { Payload } from 'payload'

import type { SearchReport } from '../../src/store/searchStats.js'
import type { SiteId } from '../../src/stats/types.js'

import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { SEARCH_DEFAULT_LIMIT } from '../../src/core/searchStats.js'
import { readSearch } from '../../src/store/searchStats.js'

export interface DashboardSearch extends SearchReport {
  /** Whether a Search Console connection maps this site (false: the panel says how to connect one). */
  connected: boolean
}

export async function loadSearch(payload: Payload, siteId: SiteId, range: { from: string; to: string }): Promise<DashboardSearch> {
  const cfg = getAnalyticsConfig(payload.config)
  const id = payload.db.defaultIDType === 'number' ? Number(siteId) : siteId
  const [report, { totalDocs }] = await Promise.all([
    readSearch(payload, cfg, { from: range.from, limit: SEARCH_DEFAULT_LIMIT, siteId: id, to: range.to }),
    payload.count({ collection: cfg.slugs.sources, overrideAccess: true, where: { and: [{ kind: { equals: 'gsc' } }, { 'sites.site': { equals: id } }] } } as Parameters<Payload['count']>[0]),
  ])
  return { ...report, connected: totalDocs > 0 }
}
