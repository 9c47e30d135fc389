import type { PayloadRequest, Where } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

/** Site ids a user may act on, or `true` for every site. */
export type SiteScope = Array<number | string> | true

type SiteOperation = 'read' | 'update'

/**
 * The sites the request's user may read (or update), decided by the host's own access
 * control on its sites collection — with @payloadcms/plugin-multi-tenant that is the
 * tenant scoping. Memoised on the request, since one admin page asks many times.
 */
export async function siteScope(
  req: PayloadRequest,
  cfg: SanitizedAnalyticsConfig,
  operation: SiteOperation = 'read',
): Promise<SiteScope> {
  if (!req.user) return []
  const memoKey = `analytics:siteScope:${operation}`
  const memo = req.context[memoKey] as Promise<SiteScope> | undefined
  if (memo) return memo

  const pending = (async (): Promise<SiteScope> => {
    const sites = req.payload.collections[cfg.slugs.sites]
    if (!sites) return []
    const access = sites.config.access[operation]
    // Payload's default access for a collection without one: any logged-in user.
    const result = access ? await access({ req }) : true
    if (result === true) return true
    if (result === false) return []
    const { docs } = await req.payload.find({
      collection: cfg.slugs.sites,
      depth: 0,
      overrideAccess: true,
      pagination: false,
      req,
      where: result as Where,
    } as Parameters<typeof req.payload.find>[0])
    return docs.map((doc) => doc.id)
  })()
  req.context[memoKey] = pending
  return pending
}

/** A `where` constraint on a `site` relationship field for a scope, or a boolean when total. */
export const whereSiteIn = (scope: SiteScope, field = 'site'): boolean | Where => {
  if (scope === true) return true
  if (scope.length === 0) return false
  return { [field]: { in: scope } }
}

/** Whether the user may act on one given site. */
export async function canAccessSite(
  req: PayloadRequest,
  cfg: SanitizedAnalyticsConfig,
  siteId: number | string,
  operation: SiteOperation = 'read',
): Promise<boolean> {
  const scope = await siteScope(req, cfg, operation)
  return scope === true || scope.some((id) => String(id) === String(siteId))
}

/** Reading analytics rows: exactly the rows of the sites the user may read. */
export const readBySite =
  (cfg: SanitizedAnalyticsConfig) =>
  async ({ req }: { req: PayloadRequest }): Promise<boolean | Where> =>
    whereSiteIn(await siteScope(req, cfg, 'read'))
