import type { DropReason } from '../core/enrich.js'
import type { GeoIpLookup } from '../core/country.js'
import type { HeaderLookup } from '../core/headers.js'
import type { TrustProxy } from '../core/ip.js'
import type { EventBuffer } from '../buffer/types.js'
import type { SaltStore } from '../buffer/saltStore.js'
import type { RejectionLog } from './rejectionLog.js'
import type { IngestSite, SiteDirectory } from './siteDirectory.js'

import { BufferError } from '../buffer/errors.js'
import { utcDay } from '../buffer/saltStore.js'
import { boundedMemo } from '../core/boundedMemo.js'
import { normalizeDomain } from '../core/domain.js'
import { enrichTrackEvent } from '../core/enrich.js'
import { isHostnameAllowed } from '../core/hostnameAllowed.js'
import { clientIp } from '../core/ip.js'
import { parsePageUrl } from '../core/pageUrl.js'
import { MAX_BODY_BYTES, type PageEventBody, parseTrackBody } from '../core/trackSchema.js'
import { createBodyReadGuard, readBodyWithLimit } from './readBody.js'
import { DAY_MS } from '../core/time.js'

/** Why a request was refused, for the rejected-events metric (a bounded set). */
export type RejectReason =
  | 'bad-request'
  | 'body-timeout'
  | 'body-too-large'
  | 'busy'
  | 'hostname'
  | 'rate-limited'
  | 'tracking-disabled'
  | 'unavailable'
  | 'unknown-site'

/**
 * How long a tracking body (at most 8 KB, one packet in practice) may take to arrive once
 * the headers are in: a browser sends it at once. Answered 408 after that.
 */
export const BODY_DEADLINE_MS = 5_000
/**
 * Bodies being read at once, per handler: with the deadline, what slow or never-ending
 * bodies can hold (at most 8 KB each). Over it, 503 with Retry-After.
 */
export const MAX_BODIES_IN_FLIGHT = 1_000

export interface RateLimitOption {
  /** Accepted events per window. */
  limit: number
  windowSeconds: number
}

export interface TrackHandlerOptions {
  buffer: EventBuffer
  /** Trusted headers carrying the visitor's country (only set these if your CDN sets them). */
  countryHeaders: readonly string[]
  /**
   * Say why a request about a site was not counted (404 unknown site, 403 tracking off or
   * hostname, the drop reason). Off: all of those get one answer, `IGNORED`, so strangers
   * cannot probe which sites exist or how they are configured.
   */
  explainRejections: boolean
  geoLookup?: GeoIpLookup | null
  /** Single-IP headers set by the operator's proxy (e.g. `cf-connecting-ip`), believed when listed. */
  ipHeaders?: readonly string[]
  /** Errors that are not the client's fault; never given an IP or a user-agent. */
  logError?: (message: string) => void
  /** Called for every accepted event, and for every refused or dropped request. */
  observe?: {
    accepted?: (type: string, siteId: number | string, tenantId: null | number | string) => void
    dropped?: (reason: DropReason) => void
    rejected?: (reason: RejectReason) => void
  }
  rateLimits: { perClient: RateLimitOption; perSite: RateLimitOption }
  /** Where a known site's refusals are kept for its admins. */
  rejections?: RejectionLog
  salts: SaltStore
  /** Idle time that ends a visit. */
  sessionIdleSeconds: number
  sites: SiteDirectory
  trustProxy: TrustProxy
}

/**
 * What the handler reads of a request: a fetch `Request` fits, so does Payload's request,
 * and so does a Node `IncomingMessage` with `headersFromRecord` (its body is an async iterable).
 */
export interface IngestRequest {
  body?: AsyncIterable<Uint8Array> | null
  headers: HeaderLookup
  method?: string
}


/**
 * The handler's answer before it becomes a fetch `Response`: the Payload endpoint wraps it
 * (`replyToResponse`); the standalone server writes it to Node's response as it is, since
 * building a `Response` (and reading its body stream back) costs more than the rest of
 * the answer.
 */
export interface TrackReply {
  /** The body (JSON, or `ok` for Plausible's Events API), or null for an empty one. */
  body: null | string
  headers: Record<string, string>
  status: number
}

const JSON_HEADERS = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' }
const ACCEPTED_BODY = JSON.stringify({ ok: true })
/** The headers of an accepted event, written out: the one answer nearly every request gets, so no spreads. */
const acceptedHeaders = (cors: Record<string, string>): Record<string, string> => {
  const origin = cors['Access-Control-Allow-Origin']
  return origin === undefined
    ? { 'Cache-Control': JSON_HEADERS['Cache-Control'], 'Content-Type': JSON_HEADERS['Content-Type'] }
    : { 'Access-Control-Allow-Origin': origin, 'Cache-Control': JSON_HEADERS['Cache-Control'], 'Content-Type': JSON_HEADERS['Content-Type'], Vary: 'Origin' }
}

/** Drops every site sees in normal traffic: counted in the metrics, not listed on the site's tab. */
const ROUTINE_DROPS: ReadonlySet<string> = new Set<DropReason>(['automation', 'bot', 'dnt'])

/** The drop reason anonymous clients see for every refusal about a site when rejections are not explained. */
export const IGNORED_REASON = 'ignored'
/**
 * One answer for an unknown site, tracking off, a hostname not allowed and every drop: no
 * CORS headers either, since those would tell whether the origin belongs to the site.
 */
const IGNORED: TrackReply = {
  body: JSON.stringify({ dropped: IGNORED_REASON }),
  headers: { ...JSON_HEADERS, 'x-analytics-dropped': IGNORED_REASON },
  status: 202,
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): TrackReply => ({
  body: JSON.stringify(body),
  headers: { ...JSON_HEADERS, ...headers },
  status,
})

/** A reply as a fetch `Response`. */
export const replyToResponse = (reply: TrackReply): Response => new Response(reply.body, { headers: reply.headers, status: reply.status })

/**
 * The hostname of an `Origin` header, memoised: a site's visitors send one or two origins,
 * and parsing a URL costs more than the rest of the CORS check. An origin is no personal data.
 */
const parseOriginHostname = boundedMemo(
  (origin: string): null | string => {
    try {
      return normalizeDomain(new URL(origin).hostname)
    } catch {
      return null
    }
  },
  { maxEntries: 1_000, maxKeyLength: 256 },
)

const originHostname = (origin: null | string): null | string => (!origin || origin === 'null' ? null : parseOriginHostname(origin))

/** The UTC day of an instant as the salt store names it, worked out once per day rather than per request. */
function createDayClock() {
  let start = 0
  let end = 0
  let day = ''
  return (time: number): string => {
    if (time < start || time >= end) {
      start = time - (time % DAY_MS)
      end = start + DAY_MS
      day = utcDay(new Date(start))
    }
    return day
  }
}

/** What became of one event for one site (`IngestCore.record`). */
export type RecordOutcome =
  | { kind: 'accepted' }
  | { kind: 'dropped'; reason: DropReason }
  | { error: string; kind: 'limited'; retryAfterSeconds: number }
  | { error: string; kind: 'refused'; reason: RejectReason; status: 400 | 403 }
  | { error: string; kind: 'unavailable' }

const UNAVAILABLE = 'Analytics is temporarily unavailable, retry later'

/**
 * What every ingest route shares — the preflight, reading the body, and recording one
 * validated event for one site (enrich, privacy, rate limits, buffer) — so that
 * `/api/analytics/track` and Plausible's `/api/event` answer their own way over one pipeline.
 */
export function createIngestCore(options: TrackHandlerOptions) {
  const { buffer, explainRejections, observe, rejections, sites } = options
  const dayOf = createDayClock()
  // A clock of its own for yesterday: sharing one, the two days would evict each other on
  // every request of the half hour after midnight (UTC) in which yesterday's salt is read.
  const previousDayOf = createDayClock()
  const bodyGuard = createBodyReadGuard({ deadlineMs: BODY_DEADLINE_MS, maxInFlight: MAX_BODIES_IN_FLIGHT })

  const reject = (reason: RejectReason, status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    observe?.rejected?.(reason)
    return json(status, { error, ...extra }, headers)
  }

  /** CORS headers for an origin that is one of this site's hostnames (or any site's, for a preflight, without `site`). */
  const corsFor = (origin: null | string, site?: IngestSite): Record<string, string> => {
    const hostname = originHostname(origin)
    if (!origin || !hostname) return {}
    const allowed = site ? isHostnameAllowed(hostname, site.domain, site.settings.allowedHostnames) : anySiteAllows(hostname)
    return allowed ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {}
  }

  const anySiteAllows = (hostname: string): boolean => {
    for (const site of sites.all()) {
      if (isHostnameAllowed(hostname, site.domain, site.settings.allowedHostnames)) return true
    }
    return false
  }

  /** The answer to anything but a POST: the CORS preflight, or 405. */
  const notPost = (request: IngestRequest, origin: null | string): TrackReply => {
    if (request.method !== 'OPTIONS') return json(405, { error: 'Use POST to send events' }, { Allow: 'POST, OPTIONS' })
    const cors = corsFor(origin)
    // Unexplained, a foreign origin gets the same 204, only without the CORS grant.
    if (!cors['Access-Control-Allow-Origin'] && explainRejections) return json(403, { error: 'Origin is not a tracked site' })
    return {
      body: null,
      headers: {
        ...cors,
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Max-Age': '86400',
      },
      status: 204,
    }
  }

  /** The body as text, or the answer when it is too large, too slow, too many at once or not UTF-8 (`badRequest` words the 400). */
  const readBody = async (request: IngestRequest, badRequest: (error: string) => TrackReply): Promise<{ reply: TrackReply } | { text: string }> => {
    const declared = Number(request.headers.get('content-length') ?? 0)
    if (declared > MAX_BODY_BYTES) return { reply: reject('body-too-large', 413, `Body too large: at most ${MAX_BODY_BYTES} bytes`) }
    let raw: Awaited<ReturnType<typeof readBodyWithLimit>>
    try {
      raw = await readBodyWithLimit(request.body, MAX_BODY_BYTES, bodyGuard)
    } catch {
      observe?.rejected?.('bad-request')
      return { reply: badRequest('The request body could not be read') }
    }
    if (raw.ok) return { text: raw.text }
    // The rest of the body is left unread: the connection ends after the answer.
    const close = { Connection: 'close' }
    switch (raw.reason) {
      case 'size':
        return { reply: reject('body-too-large', 413, `Body too large: at most ${MAX_BODY_BYTES} bytes`) }
      case 'timeout':
        return { reply: reject('body-timeout', 408, `The request body did not arrive within ${BODY_DEADLINE_MS / 1000} s: send it at once`, {}, close) }
      case 'busy':
        return { reply: reject('busy', 503, 'Too many requests are still sending their bodies: retry shortly', {}, { ...close, 'Retry-After': '5' }) }
      case 'encoding':
        observe?.rejected?.('bad-request')
        return { reply: badRequest('Body is not valid UTF-8') }
    }
  }

  /**
   * A refusal about a known site, kept for its admins when it points at the site's setup
   * (not the bots and opt-outs every site sees, which would crowd those out; the metrics count them).
   */
  const noteRefusal = (site: IngestSite, reason: DropReason | RejectReason, pageUrl: string) => {
    if (ROUTINE_DROPS.has(reason)) return
    rejections?.record(site.id, {
      ...(reason === 'hostname' ? { hostname: parsePageUrl(pageUrl)?.hostname } : {}),
      reason,
      time: new Date().toISOString(),
    })
  }

  /** One validated event for one site: checks, privacy, enrichment, rate limits, the buffer. */
  const record = async (site: IngestSite, body: PageEventBody, request: IngestRequest, info: { remoteAddress?: null | string }): Promise<RecordOutcome> => {
    const now = new Date()
    const time = now.getTime()
    let salt: string
    let previousSalt: null | string = null
    try {
      salt = await options.salts.saltFor(dayOf(time))
      // Just after midnight UTC a visit may have begun under yesterday's salt.
      if (time % DAY_MS < options.sessionIdleSeconds * 1000) {
        previousSalt = await options.salts.saltFor(previousDayOf(time - DAY_MS))
      }
    } catch {
      observe?.rejected?.('unavailable')
      return { error: UNAVAILABLE, kind: 'unavailable' }
    }

    const result = enrichTrackEvent({
      body,
      countryHeaders: options.countryHeaders,
      geoLookup: options.geoLookup ?? null,
      request: {
        headers: request.headers,
        ip: clientIp(info.remoteAddress, request.headers, options.trustProxy, options.ipHeaders),
        now,
        userAgent: request.headers.get('user-agent') ?? '',
      },
      previousSalt,
      salt,
      settings: site.settings,
      site,
    })

    if ('drop' in result) {
      observe?.dropped?.(result.drop)
      noteRefusal(site, result.drop, body.u)
      return { kind: 'dropped', reason: result.drop }
    }
    if ('reject' in result) {
      const reason: RejectReason = result.reject === 400 ? 'bad-request' : site.settings.trackingEnabled ? 'hostname' : 'tracking-disabled'
      observe?.rejected?.(reason)
      noteRefusal(site, reason, body.u)
      return { error: result.error, kind: 'refused', reason, status: result.reject }
    }

    const { clientKey, event, previousVisitorHash } = result
    try {
      const outcome = await buffer.ingest({
        event,
        rateLimits: [
          { key: `site:${site.id}`, ...options.rateLimits.perSite },
          { key: `client:${clientKey}`, ...options.rateLimits.perClient },
        ],
        session: event.visitorHash
          ? {
              idleSeconds: options.sessionIdleSeconds,
              key: `${site.id}:${event.visitorHash}`,
              ...(previousVisitorHash ? { previousKey: `${site.id}:${previousVisitorHash}` } : {}),
            }
          : undefined,
      })
      if (outcome.status === 'rate_limited') {
        observe?.rejected?.('rate-limited')
        return { error: 'Too many events, slow down', kind: 'limited', retryAfterSeconds: outcome.retryAfterSeconds }
      }
    } catch (error) {
      if (error instanceof BufferError) {
        observe?.rejected?.('unavailable')
        return { error: UNAVAILABLE, kind: 'unavailable' }
      }
      throw error
    }
    observe?.accepted?.(event.type, site.id, site.tenantId)
    return { kind: 'accepted' }
  }

  return { corsFor, explainRejections, notPost, readBody, record, reject, rejected: (reason: RejectReason) => observe?.rejected?.(reason), sites }
}

export type IngestCore = ReturnType<typeof createIngestCore>

/**
 * The tracking endpoint's logic, answering a plain `TrackReply`: shared by the Payload
 * endpoint (through `replyToResponse`), and by the standalone ingest server and the
 * Next.js Pages API route, which write replies to Node directly.
 */
export function createTrackReplyHandler(core: IngestCore) {
  const { corsFor, explainRejections, sites } = core
  const badRequest = (error: string) => json(400, { error })

  return async function handleTrackReply(request: IngestRequest, info: { remoteAddress?: null | string } = {}): Promise<TrackReply> {
    const origin = request.headers.get('origin') ?? null
    if (request.method !== 'POST') return core.notPost(request, origin)

    const read = await core.readBody(request, badRequest)
    if ('reply' in read) return read.reply

    const parsed = parseTrackBody(read.text)
    if (!parsed.ok) {
      return core.reject(parsed.status === 413 ? 'body-too-large' : 'bad-request', parsed.status, parsed.error, parsed.issues ? { issues: parsed.issues } : {})
    }
    const { body } = parsed

    const site = sites.get(body.s)
    if (!site) {
      if (explainRejections) return core.reject('unknown-site', 404, `Unknown site "${body.s.slice(0, 64)}"`)
      core.rejected('unknown-site')
      return IGNORED
    }
    const cors = corsFor(origin, site)
    const outcome = await core.record(site, body, request, info)
    switch (outcome.kind) {
      case 'accepted':
        return { body: ACCEPTED_BODY, headers: acceptedHeaders(cors), status: 202 }
      case 'dropped':
        return explainRejections ? json(202, { dropped: outcome.reason }, { ...cors, 'x-analytics-dropped': outcome.reason }) : IGNORED
      case 'refused':
        return explainRejections ? json(outcome.status, { error: outcome.error }, cors) : IGNORED
      case 'limited':
        return json(429, { error: outcome.error }, { ...cors, 'Retry-After': String(outcome.retryAfterSeconds) })
      case 'unavailable':
        return json(503, { error: outcome.error }, { ...cors, 'Retry-After': '5' })
    }
  }
}
