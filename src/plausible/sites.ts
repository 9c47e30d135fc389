/**
 * Plausible's Sites API list (`GET /api/v1/sites`): the sites the caller may read, by domain,
 * in pages with opaque cursors (`after`, `before`, `limit`), as its documentation describes.
 */
import type { PlausibleContext } from './query.js'

import { PlausibleQueryError } from '../core/plausibleQuery.js'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

/** A cursor names the domain it follows or precedes; opaque to clients. */
const encodeCursor = (domain: string) => Buffer.from(domain, 'utf8').toString('base64url')
function decodeCursor(cursor: string, name: string): string {
  const domain = /^[\w-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  if (!domain) throw new PlausibleQueryError(`Invalid ${name} cursor`)
  return domain
}

export async function listSites(params: URLSearchParams, ctx: Pick<PlausibleContext, 'caller' | 'stats' | 'timeZoneOf'>) {
  const limit = Number(params.get('limit') ?? DEFAULT_LIMIT)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new PlausibleQueryError(`Invalid limit: a whole number from 1 to ${MAX_LIMIT}`)
  const after = params.get('after')
  const before = params.get('before')
  if (after && before) throw new PlausibleQueryError('Give after or before, not both')
  const all = (await ctx.stats.readableSites(ctx.caller)).filter((site) => site.domain).sort((x, y) => (x.domain < y.domain ? -1 : x.domain > y.domain ? 1 : 0))
  let page
  if (before) {
    const bound = decodeCursor(before, 'before')
    const earlier = all.filter((site) => site.domain < bound)
    page = earlier.slice(Math.max(0, earlier.length - limit))
  } else {
    const bound = after ? decodeCursor(after, 'after') : null
    page = (bound === null ? all : all.filter((site) => site.domain > bound)).slice(0, limit)
  }
  const first = page[0]
  const last = page[page.length - 1]
  return {
    meta: {
      after: last && all[all.length - 1] !== last ? encodeCursor(last.domain) : null,
      before: first && all[0] !== first ? encodeCursor(first.domain) : null,
      limit,
    },
    sites: page.map((site) => ({ domain: site.domain, timezone: ctx.timeZoneOf(site.id) })),
  }
}
