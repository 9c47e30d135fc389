/**
 * Plausible's Stats API (v2 query, v1) and Sites API, for its existing clients: thin
 * handlers — authenticate (an API key as `Authorization: Bearer`, or a login), parse, call
 * the stats service through `src/plausible/*`, answer in Plausible's shapes and wording.
 */
import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'

import type { ApiKeyScope } from '../core/apiKeySecret.js'
import type { PlausibleContext } from '../plausible/query.js'

import { INVALID_KEY, isRefusal, MISSING_KEY } from '../apiKeys/authenticate.js'
import { PlausibleQueryError } from '../core/plausibleQuery.js'
import { StatsInputError } from '../core/statsRange.js'
import { runV2Query, siteByDomain } from '../plausible/query.js'
import { listSites } from '../plausible/sites.js'
import { v1Aggregate, v1Breakdown, v1RealtimeVisitors, v1Timeseries } from '../plausible/v1.js'
import { StatsError } from '../stats/errors.js'
import { outageBehind, outageResponse } from './outage.js'

const PRIVATE = { 'Cache-Control': 'private, no-store' }
const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response => Response.json(body, { headers: { ...PRIVATE, ...headers }, status })

const searchParams = (req: PayloadRequest): URLSearchParams => req.searchParams ?? new URL(req.url ?? '', 'http://localhost').searchParams

type Run = (req: PayloadRequest, ctx: PlausibleContext) => Promise<Response>

/**
 * Authenticate, run, and answer errors as Plausible does: `{"error": "…"}` with 400 for a bad
 * query, 401 for a missing or wrong key and for a site the key may not read, 429 over the
 * hourly limit; an outage is our 503.
 */
const plausibleHandler =
  (scope: ApiKeyScope, run: Run): PayloadHandler =>
  async (req) => {
    const runtime = req.payload.analytics
    if (!runtime) return json({ error: 'Analytics is starting, retry shortly' }, 503, { 'Retry-After': '5' })
    try {
      if (!req.user) {
        const key = await runtime.apiKeys.authenticate(req, scope)
        if (key === null) return json({ error: MISSING_KEY }, 401)
        if (isRefusal(key)) return json({ error: key.error }, key.status, key.headers)
      }
      const cfg = runtime.config
      return await run(req, {
        caller: { req },
        now: new Date(),
        stats: runtime.stats,
        statsDays: cfg.retention.statsDays,
        timeZoneOf: (siteId) => runtime.sites.timeZoneOf(siteId, cfg.defaults.timeZone),
      })
    } catch (error) {
      if (error instanceof PlausibleQueryError || error instanceof StatsInputError) return json({ error: error.message }, 400)
      if (error instanceof StatsError && error.status === 404) return json({ error: INVALID_KEY }, 401)
      if (error instanceof StatsError && error.status !== 401) return json({ error: error.message }, error.status)
      const outage = await outageBehind(req, error)
      if (outage) return outageResponse(outage, PRIVATE)
      if (error instanceof StatsError) return json({ error: error.message }, error.status)
      req.payload.logger.error({ err: error, msg: 'analytics: Plausible API request failed' })
      return json({ error: 'Internal error while reading analytics' }, 500)
    }
  }

const readJson = async (req: PayloadRequest): Promise<unknown> => {
  try {
    return await req.json?.()
  } catch {
    throw new PlausibleQueryError('Invalid request body: expected a JSON object')
  }
}

/** The Stats API v2, v1 and the Sites API under Plausible's own paths (below `routes.api`). */
export const plausibleApiEndpoints: Endpoint[] = [
  { handler: plausibleHandler('stats:read', async (req, ctx) => json(await runV2Query(await readJson(req), ctx))), method: 'post', path: '/v2/query' },
  {
    handler: plausibleHandler('stats:read', async (req, ctx) =>
      json(
        await v1RealtimeVisitors(searchParams(req), {
          ...ctx,
          realtime: async (siteId, minutes) => (await req.payload.analytics!.stats.getRealtime({ siteIds: [siteId], windowMinutes: minutes }, ctx.caller)).visitors,
        }),
      ),
    ),
    method: 'get',
    path: '/v1/stats/realtime/visitors',
  },
  { handler: plausibleHandler('stats:read', async (req, ctx) => json(await v1Aggregate(searchParams(req), ctx))), method: 'get', path: '/v1/stats/aggregate' },
  { handler: plausibleHandler('stats:read', async (req, ctx) => json(await v1Timeseries(searchParams(req), ctx))), method: 'get', path: '/v1/stats/timeseries' },
  { handler: plausibleHandler('stats:read', async (req, ctx) => json(await v1Breakdown(searchParams(req), ctx))), method: 'get', path: '/v1/stats/breakdown' },
  { handler: plausibleHandler('sites:read', async (req, ctx) => json(await listSites(searchParams(req), ctx))), method: 'get', path: '/v1/sites' },
  {
    handler: plausibleHandler('sites:read', async (req, ctx) => {
      const site = await siteByDomain(ctx, decodeURIComponent(String(req.routeParams?.site_id ?? '')))
      return json({ domain: site.domain, timezone: ctx.timeZoneOf(site.id) })
    }),
    method: 'get',
    path: '/v1/sites/:site_id',
  },
]
