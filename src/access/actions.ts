/**
 * The role-aware access options: who may export, manage reports, erase and manage sources,
 * per site. Each is the host's function when given, else today's rule — read the site to
 * export it, update it for the rest — through the host's own access on its sites collection.
 */
import type { PayloadRequest, TypedUser } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { canAccessSite } from './siteAccess.js'

export type AnalyticsAction = 'erase' | 'export' | 'manageReports' | 'manageSources'

/** The rule a host may give for one action. */
export type ActionAccess = (args: { req: PayloadRequest; siteId: number | string; user: TypedUser }) => boolean | Promise<boolean>

/** Whether the request's user may do `action` on the site (false without a user). */
export async function mayAct(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, action: AnalyticsAction, siteId: number | string): Promise<boolean> {
  if (!req.user) return false
  const custom = cfg.access[action]
  if (custom) return Boolean(await custom({ req, siteId, user: req.user }))
  return canAccessSite(req, cfg, siteId, action === 'export' ? 'read' : 'update')
}

/** The first of the sites the user may not act on, or null when all are allowed. */
export async function firstRefused(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, action: AnalyticsAction, siteIds: ReadonlyArray<number | string>): Promise<null | number | string> {
  for (const siteId of siteIds) if (!(await mayAct(req, cfg, action, siteId))) return siteId
  return null
}
