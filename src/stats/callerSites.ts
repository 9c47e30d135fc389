/**
 * Which sites a stats caller may read: a logged-in user exactly the sites the host's sites
 * collection lets them read (`overrideAccess: false` with their request — the multi-tenant
 * plugin's scoping, for free); a share token the one site whose settings carry it with the
 * public dashboard on (read from the database on every request, so rotating or disabling it
 * revokes it at once); trusted code every site.
 */
import type { Payload, PayloadRequest, Where } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { StatsCaller, StatsSite } from './types.js'

import { relationId } from '../core/relationId.js'
import { siteNotReadable, unauthenticated } from './errors.js'

/** The shape `newShareToken()` produces (and some slack); anything else is not looked up. */
const SHARE_TOKEN = /^[\w-]{16,128}$/

/**
 * Where an API key's site limit (ids as text) is put on its request (`createApiKeyAuth`):
 * the key's owner reads only those of their sites.
 */
export const KEY_SITES_CONTEXT = 'analytics:apiKeySites'

export function createCallerSites(payload: Payload, cfg: SanitizedAnalyticsConfig) {
  const titleField = (): null | string => {
    const title = payload.collections[cfg.slugs.sites]?.config.admin?.useAsTitle
    return title && title !== 'id' && title !== cfg.sites.domainField ? title : null
  }

  const toSite = (doc: Record<string, unknown>): StatsSite => {
    const domain = doc[cfg.sites.domainField]
    const title = titleField()
    const name = title ? doc[title] : undefined
    return {
      domain: typeof domain === 'string' ? domain : '',
      id: doc.id as number | string,
      ...(typeof name === 'string' && name ? { name } : {}),
    }
  }

  const findSites = async (args: { req?: PayloadRequest; where?: Where }, overrideAccess: boolean): Promise<StatsSite[]> => {
    const { docs } = await payload.find({
      collection: cfg.slugs.sites,
      depth: 0,
      overrideAccess,
      pagination: false,
      req: args.req,
      sort: cfg.sites.domainField,
      user: args.req?.user ?? undefined,
      where: args.where,
    } as Parameters<typeof payload.find>[0])
    return (docs as unknown as Array<Record<string, unknown>>).map(toSite)
  }

  /** The site a share token opens, or null. */
  const shareTokenSite = async (token: string): Promise<null | StatsSite> => {
    if (!SHARE_TOKEN.test(token)) return null
    const { docs } = await payload.find({
      collection: cfg.slugs.settings,
      depth: 0,
      limit: 1,
      overrideAccess: true,
      pagination: false,
      where: { and: [{ scope: { equals: 'site' } }, { shareToken: { equals: token } }, { publicDashboard: { equals: true } }] },
    } as Parameters<typeof payload.find>[0])
    const siteId = relationId((docs[0] as undefined | { site?: unknown })?.site)
    if (siteId === null) return null
    const [site] = await findSites({ where: { id: { equals: siteId } } }, true)
    return site ?? null
  }

  /** Every site the caller may read (401 without a user or a valid share token). */
  const readable = async (caller: StatsCaller): Promise<StatsSite[]> => {
    if ('overrideAccess' in caller) return findSites({}, true)
    if ('shareToken' in caller) {
      const site = await shareTokenSite(caller.shareToken)
      // An unknown, rotated or disabled token opens nothing.
      if (!site) throw siteNotReadable()
      return [site]
    }
    const { req } = caller
    if (!req.user) throw unauthenticated()
    const memoKey = 'analytics:stats:readableSites'
    const memo = req.context[memoKey] as Promise<StatsSite[]> | undefined
    if (memo) return memo
    const limit = req.context[KEY_SITES_CONTEXT] as readonly string[] | undefined
    const pending = findSites({ req }, false).then((found) => (limit ? found.filter((site) => limit.includes(String(site.id))) : found))
    req.context[memoKey] = pending
    return pending
  }

  /** The requested sites (all readable ones when none are named); any other site is 404. */
  const resolve = async (caller: StatsCaller, siteIds: ReadonlyArray<number | string> | undefined): Promise<StatsSite[]> => {
    const sites = await readable(caller)
    if (!siteIds || siteIds.length === 0) return sites
    const byId = new Map(sites.map((site) => [String(site.id), site]))
    const chosen: StatsSite[] = []
    for (const id of new Set(siteIds.map(String))) {
      const site = byId.get(id)
      if (!site) throw siteNotReadable()
      chosen.push(site)
    }
    return chosen
  }

  return { readable, resolve }
}
