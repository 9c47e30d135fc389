/**
 * From the model's hits to the events the ingest would buffer, through the product's own
 * enrichment (`enrichTrackEvent`: URL and UTM parsing, referrer sources, user-agent
 * classification, bot drop, IP anonymisation, visitor hash) — so a bench that fills the
 * buffer directly stores exactly what the endpoint would have. Deterministic: the daily
 * salt comes from the seed and the event id's random part from the hit.
 */
import type { Payload } from 'payload'

import type { SiteRef } from '../../src/core/enrich.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { EffectiveSiteSettings } from '../../src/core/siteSettings.js'
import type { TrackBody } from '../../src/core/trackSchema.js'
import type { Hit, TrafficModel } from './traffic.js'

import { DEFAULT_COUNTRY_HEADERS } from '../../src/core/country.js'
import { enrichTrackEvent } from '../../src/core/enrich.js'
import { DEFAULT_CONVERSION_EVENTS } from '../../src/core/eventTypes.js'
import { headersFromRecord } from '../../src/core/headers.js'
import { resolveSiteSettings } from '../../src/core/siteSettings.js'
import { uuidv7 } from '../../src/core/uuidv7.js'

/** A model site as the product knows it: its id and tenant, and its effective settings. */
export interface StoredSite {
  ref: SiteRef
  settings: EffectiveSiteSettings
}

/** The settings every model site has, in its own time zone (defaults otherwise). */
export function modelSiteSettings(timeZone: string): EffectiveSiteSettings {
  return resolveSiteSettings(
    {},
    {
      allowedHostnames: [],
      conversionEvents: [...DEFAULT_CONVERSION_EVENTS],
      excludedPaths: [],
      ipAnonymization: 'standard',
      respectDoNotTrack: true,
      retentionDays: 30,
      timeZone,
      trackAutomation: false,
      trackingEnabled: true,
    },
  )
}

/** The event the ingest would buffer for a hit, or null when it would drop it (a bot). */
export function eventOf(model: TrafficModel, hit: Hit, site: StoredSite): AnalyticsEvent | null {
  const now = new Date(hit.at)
  const enriched = enrichTrackEvent({
    body: hit.body as TrackBody,
    countryHeaders: DEFAULT_COUNTRY_HEADERS,
    request: { headers: headersFromRecord({ 'cf-ipcountry': hit.country ?? undefined }), ip: hit.ip, now, userAgent: hit.userAgent },
    salt: `model-salt-${model.seed}-${now.toISOString().slice(0, 10)}`,
    sessionId: hit.session,
    settings: site.settings,
    site: site.ref,
  })
  if (!('event' in enriched)) return null
  const e = hit.entropy
  const event = enriched.event
  event.eventId = uuidv7(hit.at, () => `${e.slice(0, 8)}-${e.slice(8, 12)}-4${e.slice(13, 16)}-${'89ab'[Number.parseInt(e[16]!, 16) & 3]}${e.slice(17, 20)}-${e.slice(20)}`)
  return event
}

/** The events of a list of hits (dropped ones left out). */
export const eventsOf = (model: TrafficModel, hits: readonly Hit[], sites: readonly StoredSite[]): AnalyticsEvent[] =>
  hits.map((hit) => eventOf(model, hit, sites[hit.site]!)).filter((event): event is AnalyticsEvent => event !== null)

/**
 * The model's sites in a Payload app: one `sites` document per model site (its domain, under
 * the seeded tenants in turn) and, when its zone is not UTC, a site-scoped settings document
 * with its time zone — so the aggregation's days are the model's local days.
 */
export async function storeModelSites(payload: Payload, model: TrafficModel): Promise<StoredSite[]> {
  const { docs: tenants } = await payload.find({ collection: 'tenants', depth: 0, limit: 100, pagination: false })
  const stored: StoredSite[] = []
  const zoned: Array<number | string> = []
  for (const site of model.sites) {
    const existing = await payload.find({ collection: 'sites', depth: 0, limit: 1, where: { domain: { equals: site.domain } } })
    const tenant = tenants.length > 0 ? tenants[site.index % tenants.length]!.id : undefined
    const doc =
      existing.docs[0] ??
      (await payload.create({ collection: 'sites', data: { domain: site.domain, name: `Model ${site.index}`, ...(tenant === undefined ? {} : { tenant }) } as never }))
    if (site.timeZone !== 'UTC' && existing.docs.length === 0) {
      await payload.create({ collection: 'analytics-settings', data: { scope: 'site', site: doc.id, timeZone: site.timeZone } as never })
      zoned.push(doc.id)
    }
    const tenantId = (doc as { tenant?: null | number | string | { id: number | string } }).tenant
    stored.push({
      ref: { domain: site.domain, id: doc.id, tenantId: typeof tenantId === 'object' && tenantId !== null ? tenantId.id : (tenantId ?? null) },
      settings: modelSiteSettings(site.timeZone),
    })
  }
  // A new zone is applied by a background recompute of the site's days (jobs/rezone.ts), which
  // the next aggregation run would start: done now, while the site has no events, it costs
  // nothing and cannot run alongside (and inflate) a measured run.
  if (zoned.length > 0) await payload.analytics?.jobs.rezone(zoned)
  return stored
}
