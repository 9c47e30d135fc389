/**
 * The branding levels above a report or a share page: its tenant's defaults and the global
 * defaults (the `branding` group of AnalyticsSettings). Read with the plugin's rights: the
 * recipients of an email and the visitors of a share page are not users.
 */
import type { Payload } from 'payload'

import type { Branding, BrandingRow } from './core/branding.js'
import type { SanitizedAnalyticsConfig } from './types.js'

import { settingsScopeKey } from '../collections/AnalyticsSettings.js'
import { resolveBranding } from './core/branding.js'

/** The tenant's branding row, then the global one (either may be missing). */
export async function defaultBrandingRows(payload: Payload, cfg: SanitizedAnalyticsConfig, tenant: null | number | string): Promise<Array<BrandingRow | null>> {
  const keys = [...(tenant !== null && cfg.tenantsCollection ? [settingsScopeKey('tenant', tenant)] : []), settingsScopeKey('global', null)]
  const { docs } = await payload.find({
    collection: cfg.slugs.settings,
    depth: 0,
    overrideAccess: true,
    pagination: false,
    select: { branding: true, scopeKey: true },
    where: { scopeKey: { in: keys } },
  } as Parameters<Payload['find']>[0])
  const rows = docs as Array<{ branding?: BrandingRow | null; scopeKey?: string }>
  return keys.map((key) => rows.find((row) => row.scopeKey === key)?.branding ?? null)
}

/** The branding of a site's public share page: its tenant's, else the global one, else the plugin's. */
export async function siteBranding(payload: Payload, cfg: SanitizedAnalyticsConfig, siteId: number | string): Promise<Branding> {
  const tenant = payload.analytics?.sites.get(String(siteId))?.tenantId ?? null
  return resolveBranding(await defaultBrandingRows(payload, cfg, tenant))
}
