/**
 * Rotating a site's share link: a new random token in its settings, so the old link stops
 * working at once (share requests look the token up in the database every time). Only for
 * users who may update the site's settings — the settings collection's own access decides.
 */
import type { PayloadRequest } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { SiteId } from './types.js'

import { findSiteSettings, ROTATE_SHARE_TOKEN } from '../../collections/AnalyticsSettings.js'
import { StatsError, unauthenticated } from './errors.js'

export async function rotateShareToken(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, siteId: SiteId): Promise<{ shareToken: string }> {
  if (!req.user) throw unauthenticated()
  const settings = (await findSiteSettings(req, cfg, siteId)) as undefined | { id: number | string; publicDashboard?: boolean | null }
  if (!settings) throw new StatsError('Site not found, or it has no analytics settings.', 404)
  if (!settings.publicDashboard) throw new StatsError('Public sharing is off for this site: turn on its public dashboard first.', 400)
  let updated: { shareToken?: null | string }
  try {
    // The token is no client's to write: the collection's hook draws a new one on this flag.
    updated = (await req.payload.update({
      collection: cfg.slugs.settings,
      context: { [ROTATE_SHARE_TOKEN]: true },
      data: {},
      id: settings.id,
      overrideAccess: false,
      req,
      user: req.user,
    } as Parameters<typeof req.payload.update>[0])) as { shareToken?: null | string }
  } catch (error) {
    // Readable but not writable for this user.
    if ((error as { status?: number }).status === 403) throw new StatsError('You may not change this site’s settings.', 403)
    throw error
  }
  if (!updated.shareToken) throw new StatsError('Public sharing is off for this site: turn on its public dashboard first.', 400)
  return { shareToken: updated.shareToken }
}
