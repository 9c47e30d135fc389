import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { canAccessSite } from '../access/siteAccess.js'
import { audit } from '../audit.js'
import { ENDPOINT_PREFIX } from '../constants.js'
import { SEARCH_DEFAULT_LIMIT, searchDaysMeta } from '../core/searchStats.js'
import { checkCustom } from '../core/statsRange.js'
import { secretBoxOf } from '../sources/credentials.js'
import { forgetGscToken } from '../sources/gsc/sync.js'
import { consentUrl, exchangeCode } from '../sources/gsc/oauth.js'
import { safeMessage, SourceError } from '../sources/http.js'
import { readSearch } from '../store/searchStats.js'

const NO_STORE = { 'Cache-Control': 'no-store' }
const json = (body: unknown, status = 200) => Response.json(body, { headers: NO_STORE, status })
/** How long a consent screen may stay open. */
const STATE_TTL_MS = 15 * 60_000

export const GOOGLE_CALLBACK_PATH = `${ENDPOINT_PREFIX}/sources/google/callback`

/**
 * Google's OAuth connect flow and the search figures:
 * - `GET /api/analytics/sources/:id/google/connect` sends whoever may update the connection
 *   to Google's consent screen (offline access), with a sealed `state` naming the connection
 *   and the user, valid 15 minutes;
 * - `GET /api/analytics/sources/google/callback` exchanges the code, stores the refresh token
 *   encrypted on that connection, and returns to its admin page;
 * - `GET /api/analytics/search?site=&from=&to=` answers a site's Search Console figures, by
 *   Google's (Pacific) days; `meta` says so when the site's zone is another.
 */
export function sourceEndpoints(cfg: SanitizedAnalyticsConfig): Endpoint[] {
  const redirectUri = (req: PayloadRequest) => {
    const origin = req.payload.config.serverURL || (req.url ? new URL(req.url).origin : '')
    return `${origin}${cfg.apiRoute}${GOOGLE_CALLBACK_PATH}`
  }
  const adminUrl = (req: PayloadRequest, id: number | string, result: string) =>
    `${req.payload.config.serverURL || ''}${req.payload.config.routes?.admin ?? '/admin'}/collections/${cfg.slugs.sources}/${encodeURIComponent(String(id))}?google=${result}`

  /** The connection if the user may update it (its own access decides), else null. */
  const updatable = async (req: PayloadRequest, id: string) => {
    try {
      const { docs } = await req.payload.find({ collection: cfg.slugs.sources, depth: 0, overrideAccess: false, req, user: req.user, where: { id: { equals: id } } } as Parameters<typeof req.payload.find>[0])
      const doc = docs[0] as ({ id: number | string; kind: string } & object) | undefined
      if (!doc) return null
      const access = req.payload.collections[cfg.slugs.sources]!.config.access.update
      const allowed = access ? await access({ id: doc.id, req } as never) : true
      if (allowed === false) return null
      if (allowed !== true) {
        const { totalDocs } = await req.payload.count({ collection: cfg.slugs.sources, overrideAccess: true, req, where: { and: [{ id: { equals: doc.id } }, allowed] } } as Parameters<typeof req.payload.count>[0])
        if (totalDocs === 0) return null
      }
      return doc
    } catch {
      return null
    }
  }

  const connect: PayloadHandler = async (req) => {
    if (!req.user) return json({ error: 'Log in to connect a Google account.' }, 401)
    const id = String(req.routeParams?.id ?? '')
    const doc = /^[\w-]{1,64}$/.test(id) ? await updatable(req, id) : null
    if (!doc) return json({ error: 'Source not found.' }, 404)
    if (doc.kind !== 'gsc') return json({ error: 'Only Search Console sources connect to Google.' }, 400)
    const google = cfg.sources.google
    if (!google) return json({ error: 'Search Console is not configured: set sources.google.clientId and clientSecret.' }, 400)
    const state = secretBoxOf(cfg).seal(JSON.stringify({ exp: Date.now() + STATE_TTL_MS, source: String(doc.id), user: String(req.user.id) }))
    return new Response(null, { headers: { ...NO_STORE, location: consentUrl(google, redirectUri(req), state) }, status: 302 })
  }

  const callback: PayloadHandler = async (req) => {
    const google = cfg.sources.google
    if (!google) return json({ error: 'Search Console is not configured.' }, 400)
    if (!req.user) return json({ error: 'Log in, then connect again.' }, 401)
    const params = new URL(req.url ?? '', 'http://x').searchParams
    let state: { exp: number; source: string; user: string }
    try {
      state = JSON.parse(secretBoxOf(cfg).open(params.get('state') ?? ''))
    } catch {
      return json({ error: 'The connect request is not valid; start again from the source.' }, 400)
    }
    if (state.exp < Date.now() || state.user !== String(req.user.id)) return json({ error: 'The connect request has expired or was started by someone else; start again.' }, 400)
    const doc = await updatable(req, state.source)
    if (!doc) return json({ error: 'Source not found.' }, 404)
    if (params.get('error')) return Response.redirect(adminUrl(req, doc.id, 'denied'), 302)
    const code = params.get('code')
    if (!code) return json({ error: 'Google sent no authorization code.' }, 400)
    let refreshToken: null | string
    try {
      refreshToken = await exchangeCode(google, code, redirectUri(req))
    } catch (error) {
      return json({ error: `Google refused the code: ${safeMessage(error instanceof SourceError ? error : new Error('token exchange failed'))}` }, 502)
    }
    if (!refreshToken) return json({ error: 'Google sent no refresh token; remove the app’s access in the Google account and connect again.' }, 502)
    await req.payload.update({
      collection: cfg.slugs.sources,
      context: { analyticsInternal: true },
      data: { credential: refreshToken, failedRuns: 0, lastError: null, status: 'ok' },
      depth: 0,
      id: doc.id,
      overrideAccess: true,
      req,
    } as Parameters<typeof req.payload.update>[0])
    forgetGscToken(cfg, doc.id)
    await audit(req.payload, { action: 'source.update', details: { changed: ['credential'], kind: 'gsc', source: doc.id }, req, via: 'admin' })
    return new Response(null, { headers: { ...NO_STORE, location: adminUrl(req, doc.id, 'connected') }, status: 302 })
  }

  const search: PayloadHandler = async (req) => {
    if (!req.user) return json({ error: 'Log in to read analytics.' }, 401)
    const params = new URL(req.url ?? '', 'http://x').searchParams
    const site = params.get('site') ?? ''
    if (!/^[\w-]{1,64}$/.test(site)) return json({ error: 'site: a site id is required.' }, 400)
    let range
    try {
      range = checkCustom(params.get('from') ?? undefined, params.get('to') ?? undefined, 'from', 'to')
    } catch (error) {
      return json({ error: (error as Error).message }, 400)
    }
    if (!(await canAccessSite(req, cfg, site, 'read'))) return json({ error: 'Site not found.' }, 404)
    const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? SEARCH_DEFAULT_LIMIT) || SEARCH_DEFAULT_LIMIT))
    const siteId = req.payload.db.defaultIDType === 'number' ? Number(site) : site
    const siteTimeZone = req.payload.analytics?.sites.timeZoneOf(site, cfg.defaults.timeZone) ?? cfg.defaults.timeZone
    return json({
      meta: searchDaysMeta(siteTimeZone),
      range: { from: range.from, to: range.to },
      site,
      ...(await readSearch(req.payload, cfg, { from: range.from, limit, siteId, to: range.to })),
    })
  }

  return [
    { handler: connect, method: 'get', path: `${ENDPOINT_PREFIX}/sources/:id/google/connect` },
    { handler: callback, method: 'get', path: GOOGLE_CALLBACK_PATH },
    { handler: search, method: 'get', path: `${ENDPOINT_PREFIX}/search` },
  ]
}
