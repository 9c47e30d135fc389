import type { Payload, PayloadRequest } from 'payload'

import type { SettingsRow } from '../core/siteSettings.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { IngestSite } from './siteDirectory.js'

import { normalizeDomain } from '../core/domain.js'
import { relationId } from '../core/relationId.js'
import { resolveSiteSettings } from '../core/siteSettings.js'

type Row = Record<string, unknown> & SettingsRow

/**
 * Every site with the settings in force for it, read from the database (at start-up and
 * after a site or a settings row changes — never on the tracking hot path).
 */
export async function loadIngestSites(payload: Payload, cfg: SanitizedAnalyticsConfig, req?: PayloadRequest): Promise<IngestSite[]> {
  // With the request of a hook, the reads see that hook's uncommitted change.
  const [sites, settings] = await Promise.all([
    payload.find({ collection: cfg.slugs.sites, depth: 0, pagination: false, req }),
    payload.find({ collection: cfg.slugs.settings, depth: 0, pagination: false, req }),
  ])

  let globalRow: null | Row = null
  const tenantRows = new Map<string, Row>()
  const siteRows = new Map<string, Row>()
  for (const doc of settings.docs as unknown as Row[]) {
    if (doc.scope === 'global') globalRow = doc
    else if (doc.scope === 'tenant' && relationId(doc.tenant) !== null) tenantRows.set(String(relationId(doc.tenant)), doc)
    else if (doc.scope === 'site' && relationId(doc.site) !== null) siteRows.set(String(relationId(doc.site)), doc)
  }

  const defaults = { ...cfg.defaults, retentionDays: cfg.retention.eventsDays }
  return (sites.docs as unknown as Array<Record<string, unknown> & { id: number | string }>).map((doc) => {
    const tenantId = cfg.tenantsCollection ? relationId(doc[cfg.sites.tenantField]) : null
    const domain = doc[cfg.sites.domainField]
    return {
      domain: typeof domain === 'string' && domain ? normalizeDomain(domain) : null,
      id: doc.id,
      settings: resolveSiteSettings(
        {
          global: globalRow,
          site: siteRows.get(String(doc.id)),
          tenant: tenantId === null ? null : tenantRows.get(String(tenantId)),
        },
        defaults,
      ),
      tenantId,
    }
  })
}
