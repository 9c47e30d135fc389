import type { PayloadRequest, Where } from 'payload'

import type { SettingsScope } from '../core/siteSettings.js'
import type { DefaultsOwner, SanitizedAnalyticsConfig } from '../types.js'

import { relationId } from '../core/relationId.js'
import { canAccessSite, siteScope, whereSiteIn } from './siteAccess.js'

/** Whose settings a row holds: its scope and owner, as the row will be once written. */
export interface SettingsOwner {
  scope: SettingsScope
  site: null | number | string
  tenant: null | number | string
}

/** The owner of the global default row; whoever may manage it is an analytics admin (audit log, deliveries, every report). */
export const GLOBAL_DEFAULTS: DefaultsOwner = { scope: 'global', tenant: null }

/** Whether the request's user may manage one default row (the global one, or one tenant's). */
export async function mayManageDefaults(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, owner: DefaultsOwner): Promise<boolean> {
  if (!req.user) return false
  return Boolean(await cfg.canManageDefaults({ ...owner, req, user: req.user }))
}

/**
 * Whether the user may hold a settings row with this owner: a site's row whoever may update
 * the site, a default row whoever may manage it. Decided on the row as it will be stored —
 * never on the request body alone, which a duplicate or a partial update does not carry.
 */
export async function mayWriteSettingsOf(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, owner: SettingsOwner): Promise<boolean> {
  if (owner.scope === 'site') return owner.site !== null && canAccessSite(req, cfg, owner.site, 'update')
  if (owner.scope === 'tenant') return owner.tenant !== null && mayManageDefaults(req, cfg, { scope: 'tenant', tenant: owner.tenant })
  return mayManageDefaults(req, cfg, { scope: 'global', tenant: null })
}

/**
 * The default rows a user may manage, as a `where` (or false for none): the global row if
 * allowed, and the rows of the tenants they manage among those that have one. Memoised on
 * the request, as `siteScope` is.
 */
async function manageableDefaults(req: PayloadRequest, cfg: SanitizedAnalyticsConfig): Promise<false | Where> {
  const memoKey = 'analytics:manageableDefaults'
  const memo = req.context[memoKey] as Promise<false | Where> | undefined
  if (memo) return memo
  const pending = (async (): Promise<false | Where> => {
    if (!req.user) return false
    const or: Where[] = []
    if (await mayManageDefaults(req, cfg, { scope: 'global', tenant: null })) or.push({ scope: { equals: 'global' } })
    if (cfg.tenantsCollection) {
      const { docs } = await req.payload.find({
        collection: cfg.slugs.settings,
        depth: 0,
        overrideAccess: true,
        pagination: false,
        req,
        select: { tenant: true },
        where: { scope: { equals: 'tenant' } },
      } as Parameters<typeof req.payload.find>[0])
      const tenants: Array<number | string> = []
      for (const doc of docs as Array<{ tenant?: unknown }>) {
        const tenant = relationId(doc.tenant)
        if (tenant !== null && (await mayManageDefaults(req, cfg, { scope: 'tenant', tenant }))) tenants.push(tenant)
      }
      if (tenants.length) or.push({ and: [{ scope: { equals: 'tenant' } }, { tenant: { in: tenants } }] })
    }
    return or.length ? { or } : false
  })()
  req.context[memoKey] = pending
  return pending
}

/**
 * The settings rows a user may read (`read`: sites they may read) or change (`update`:
 * sites they may update); default rows only when they may manage them, either way — a
 * tenant's defaults (allowed hostnames, conversion events, IP mode) are that tenant's business.
 */
export const settingsRows =
  (cfg: SanitizedAnalyticsConfig, operation: 'read' | 'update') =>
  async ({ req }: { req: PayloadRequest }): Promise<boolean | Where> => {
    if (!req.user) return false
    const bySite = whereSiteIn(await siteScope(req, cfg, operation))
    const defaults = await manageableDefaults(req, cfg)
    const or: Where[] = []
    if (bySite === true) or.push({ scope: { equals: 'site' } })
    else if (bySite !== false) or.push({ and: [{ scope: { equals: 'site' } }, bySite] })
    if (defaults) or.push(defaults)
    return or.length ? { or } : false
  }
