/**
 * From a validated body and the request's facts to the enriched event, or to the reason
 * it is dropped or refused. Pure apart from the event id and the clock the caller passes.
 * The IP and the user-agent are used here and go no further: nothing derived from them
 * but the salted hashes and the coarse browser/OS/device/country leaves this function.
 */

import type { AnalyticsEvent } from './event.js'
import type { GeoIpLookup } from './country.js'
import type { HeaderLookup } from './headers.js'
import type { EffectiveSiteSettings } from './siteSettings.js'
import type { PageEventBody, ServerEvent } from './trackSchema.js'

import { countryFromHeaders } from './country.js'
import { SCROLL_DEPTH_PROP } from './dailyStats.js'
import { MAX_HOSTNAME_LENGTH } from './domain.js'
import { isExcludedPath } from './excludedPaths.js'
import { isHostnameAllowed } from './hostnameAllowed.js'
import { anonymizeIp } from './ip.js'
import { normalizePath, parsePageUrl } from './pageUrl.js'
import { referrerSource } from './referrer.js'
import { classifyUserAgent, screenClass } from './userAgent.js'
import { clientKey, visitorHash } from './visitorHash.js'
import { DAY_MS } from './time.js'
import { uuidv7 } from './uuidv7.js'

/**
 * Why an event was dropped: answered 202 (a bot must not learn it was spotted; a visitor
 * who opted out is done) with an `x-analytics-dropped` header, and nothing stored.
 */
export const DROP_REASONS = ['automation', 'bot', 'dnt', 'excluded-path'] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** How far ahead of the server's clock a reported event time may be (clock skew). */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000

export interface SiteRef {
  /** The site's domain; its subdomains count as the site too. */
  domain: null | string
  id: number | string
  tenantId: null | number | string
}

/** What the endpoint knows about the request. */
export interface RequestFacts {
  headers: HeaderLookup
  /** The client IP as `clientIp` resolved it (full address; anonymised here before use). */
  ip: null | string
  now: Date
  userAgent: string
}

export interface EnrichTrackInput {
  body: PageEventBody
  /** Trusted headers carrying the country, in order (`countryFromHeaders`). */
  countryHeaders?: readonly string[]
  /** Lookup in a local GeoIP database, used when no country header answers. */
  geoLookup?: GeoIpLookup | null
  /** Yesterday's salt, so a session crossing midnight UTC can be continued. */
  previousSalt?: null | string
  request: RequestFacts
  /** Today's salt. */
  salt: string
  /** The visit's session id when the caller already knows it; usually set later, in Redis. */
  sessionId?: null | string
  settings: EffectiveSiteSettings
  site: SiteRef
}

export type EnrichReject = { error: string; reject: 400 | 403 }

export type EnrichTrackResult =
  | EnrichReject
  | {
      /** Rate-limit key of the anonymised client on this site (salted; see `clientKey`). */
      clientKey: string
      event: AnalyticsEvent
      /**
       * The visitor's hash under yesterday's salt, or null without one: when a session
       * exists under it, the visit started before midnight and continues under that hash.
       */
      previousVisitorHash: null | string
    }
  | { drop: DropReason }

const hasDoNotTrack = (headers: HeaderLookup): boolean =>
  headers.get('dnt')?.trim() === '1' || headers.get('sec-gpc')?.trim() === '1'

/** Refuses a reported time outside [now − retention, now + 10 min]; tracker events carry none. */
function checkTimestamp(timestamp: Date, now: Date, retentionDays: number): EnrichReject | null {
  const time = timestamp.getTime()
  if (time > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return { error: 'timestamp is more than 10 minutes in the future', reject: 400 }
  }
  if (time < now.getTime() - retentionDays * DAY_MS) {
    return { error: `timestamp is older than the site's retention window (${retentionDays} days)`, reject: 400 }
  }
  return null
}

const emptyToNull = <T extends object>(value: T | undefined): null | T =>
  value === undefined || Object.keys(value).length === 0 ? null : value

/**
 * Enriches a tracker event. Checks, in order: tracking enabled (403), a valid http(s)
 * page URL (400), a hostname the site allows (403); then drops bots, automated browsers
 * (unless the site counts them), Do-Not-Track / Global Privacy Control (when the site
 * honours them) and excluded paths.
 */
export function enrichTrackEvent(input: EnrichTrackInput): EnrichTrackResult {
  const { body, request, settings, site } = input
  if (!settings.trackingEnabled) return { error: 'Tracking is disabled for this site', reject: 403 }

  const page = parsePageUrl(body.u, body.h === 1)
  if (page === null) return { error: `u: must be an absolute http(s) URL with a hostname of at most ${MAX_HOSTNAME_LENGTH} characters`, reject: 400 }
  if (!isHostnameAllowed(page.hostname, site.domain, settings.allowedHostnames)) {
    return { error: `Hostname "${page.hostname}" is not allowed for this site`, reject: 403 }
  }

  const agent = classifyUserAgent(request.userAgent, body.w)
  if (agent.automation) {
    if (!settings.trackAutomation) return { drop: 'automation' }
  } else if (agent.bot) {
    return { drop: 'bot' }
  }
  if (settings.respectDoNotTrack && hasDoNotTrack(request.headers)) return { drop: 'dnt' }
  if (isExcludedPath(page.path, settings.excludedPaths)) return { drop: 'excluded-path' }

  const anonymizedIp = (request.ip ? anonymizeIp(request.ip, settings.ipAnonymization) : null) ?? ''
  const country =
    countryFromHeaders(request.headers, input.countryHeaders ?? []) ??
    (request.ip && input.geoLookup ? input.geoLookup(request.ip) : null)

  const event: AnalyticsEvent = {
    // First, so the buffer can cut it off the JSON cheaply (`encodeEventWithoutSession`).
    sessionId: input.sessionId ?? null,
    browser: agent.browser,
    country,
    device: agent.device,
    eventId: uuidv7(request.now.getTime()),
    hostname: page.hostname,
    os: agent.os,
    path: page.path,
    // An engagement keeps its figures in the columns every event has: the engaged seconds
    // as its value, the scroll depth as its one prop (`dailyStats.ts` reads them there).
    props: body.d === undefined ? emptyToNull(body.p) : { [SCROLL_DEPTH_PROP]: body.d },
    revenue: typeof body.v === 'object' ? body.v.revenue : null,
    screen: screenClass(body.w),
    siteId: site.id,
    source: referrerSource(body.r, page.hostname, site.domain ?? '', page.sourceParam),
    tenantId: site.tenantId,
    timestamp: request.now.toISOString(),
    type: body.t,
    utmCampaign: page.utm.campaign,
    utmContent: page.utm.content,
    utmMedium: page.utm.medium,
    utmSource: page.utm.source,
    utmTerm: page.utm.term,
    value: body.e === undefined ? (typeof body.v === 'number' ? body.v : null) : body.e / 1000,
    visitorHash: visitorHash(input.salt, site.id, anonymizedIp, request.userAgent),
  }
  return {
    clientKey: clientKey(input.salt, site.id, anonymizedIp),
    event,
    previousVisitorHash: input.previousSalt
      ? visitorHash(input.previousSalt, site.id, anonymizedIp, request.userAgent)
      : null,
  }
}

export interface EnrichServerInput {
  event: ServerEvent
  now: Date
  sessionId?: null | string
  settings: EffectiveSiteSettings
  site: SiteRef
}

/**
 * Enriches an event recorded by server code: no visitor, so no hash, browser or
 * referrer; the time may be given and must lie within the retention window. A site with
 * tracking off records no server events either: off means off.
 */
export function enrichServerEvent(input: EnrichServerInput): EnrichReject | { event: AnalyticsEvent } {
  const { settings, site } = input
  if (!settings.trackingEnabled) return { error: 'Tracking is disabled for this site', reject: 403 }
  const timestamp = input.event.timestamp ?? input.now
  const refused = checkTimestamp(timestamp, input.now, settings.retentionDays)
  if (refused) return refused

  return {
    event: {
      sessionId: input.sessionId ?? null,
      browser: null,
      country: null,
      device: null,
      // Made now, not at the (possibly earlier) event time: the id index grows at its end.
      eventId: uuidv7(input.now.getTime()),
      hostname: null,
      os: null,
      path: input.event.path === undefined ? null : normalizePath(input.event.path),
      props: emptyToNull(input.event.props),
      revenue: input.event.revenue ?? null,
      screen: null,
      siteId: site.id,
      source: null,
      tenantId: site.tenantId,
      timestamp: timestamp.toISOString(),
      type: input.event.type,
      utmCampaign: null,
      utmContent: null,
      utmMedium: null,
      utmSource: null,
      utmTerm: null,
      value: input.event.value ?? null,
      visitorHash: null,
    },
  }
}
