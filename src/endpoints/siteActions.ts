import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { mayAct } from '../access/actions.js'
import { canAccessSite } from '../access/siteAccess.js'
import { audit, viaOf } from '../audit.js'
import { ENDPOINT_PREFIX } from '../constants.js'
import { outageBehind, outageResponse, presentsCredentials } from './outage.js'

const NO_STORE = { 'Cache-Control': 'no-store' }
const json = (body: unknown, status = 200) => Response.json(body, { headers: NO_STORE, status })

const idParam = (req: PayloadRequest): null | string => {
  const id = req.routeParams?.id
  return typeof id === 'string' && /^[\w-]{1,64}$/.test(id) ? id : null
}

/**
 * `POST /api/analytics/sites/:id/erase` deletes every analytics row of one site, for
 * logged-in users who may update the site (the host's own access on its sites collection
 * decides). Rotating a share link is `POST /api/analytics/share/rotate` (src/endpoints/stats.ts).
 */
export function siteActionEndpoints(cfg: SanitizedAnalyticsConfig): Endpoint[] {
  const erase: PayloadHandler = async (req) => {
    try {
      return await eraseNow(req)
    } catch (error) {
      const outage = await outageBehind(req, error)
      if (outage) return outageResponse(outage, NO_STORE)
      throw error
    }
  }

  const eraseNow = async (req: PayloadRequest): Promise<Response> => {
    if (!req.user) {
      // A valid login Payload could not read (the database is down) is an outage, not a 401.
      const outage = presentsCredentials(req) ? await outageBehind(req, null) : null
      return outage ? outageResponse(outage, NO_STORE) : json({ error: 'Log in to delete analytics data.' }, 401)
    }
    const id = idParam(req)
    // "Not found" for sites the user may not read: the answer does not say whether one exists.
    if (!id || !(await canAccessSite(req, cfg, id, 'read'))) return json({ error: 'Site not found.' }, 404)
    // `access.erase` (default: may update the site); readable but not erasable is a 403.
    if (!(await mayAct(req, cfg, 'erase', id))) return json({ error: 'You may not erase this site’s analytics data.' }, 403)
    // Update access may be "every site" (a super-admin): the site must still exist.
    const { totalDocs } = await req.payload.count({ collection: cfg.slugs.sites, overrideAccess: false, req, user: req.user, where: { id: { equals: id } } })
    if (totalDocs === 0) return json({ error: 'Site not found.' }, 404)
    const runtime = req.payload.analytics
    if (!runtime) return json({ error: 'Analytics is starting, retry shortly' }, 503)
    const siteId = req.payload.db.defaultIDType === 'number' ? Number(id) : id
    const result = await runtime.eraseSite(siteId)
    await audit(req.payload, { action: 'erase', details: { erased: result }, req, siteId, via: viaOf(req) })
    req.payload.logger.info(`analytics: ${String(req.user.id)} erased the analytics data of site ${id}`)
    return json({ erased: result, ok: true })
  }

  return [
    { handler: erase, method: 'post', path: `${ENDPOINT_PREFIX}/sites/:id/erase` },
  ]
}
