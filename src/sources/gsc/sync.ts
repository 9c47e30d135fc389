/**
 * Search Console for one mapped site: each due day not yet stored as final is fetched
 * (totals, then the breakdowns) and stored as a whole. Access tokens are kept per
 * connection for their lifetime; requests are paced per property, in this process.
 */
import type { SanitizedAnalyticsConfig } from '../../types.js'
import type { Pacer } from '../http.js'
import type { SiteSyncContext } from '../sync.js'

import { finalSearchDays, replaceSearchDay } from '../../store/searchStats.js'
import { createPacer, SourceError } from '../http.js'
import { createGscClient } from './client.js'
import { refreshAccessToken } from './oauth.js'

const pacers = new WeakMap<SanitizedAnalyticsConfig, Pacer>()
/** A connection's access token, or Google's refusal of its grant (remembered until `refusedUntil`). */
type HeldToken = { refreshToken: string; refusedUntil?: number; token: Promise<{ accessToken: string; expiresAt: number }> }
/** How long a refused grant is not asked for again (a run's length; a reconnect asks at once). */
const REFUSAL_MEMORY_MS = 10 * 60_000
const tokens = new WeakMap<SanitizedAnalyticsConfig, Map<string, HeldToken>>()

/** Forget a connection's access token (after it was reconnected to another account). */
export function forgetGscToken(cfg: SanitizedAnalyticsConfig, sourceId: number | string): void {
  tokens.get(cfg)?.delete(String(sourceId))
}

export async function syncGscSite(context: SiteSyncContext): Promise<{ days: number; rows: number }> {
  const { cfg, credential, payload, remoteId, siteId, source } = context
  const google = cfg.sources.google
  if (!google) throw new SourceError('Search Console is not configured (sources.google)', 'auth')
  if (!credential) throw new SourceError('Not connected to a Google account', 'reconnect')
  let pacer = pacers.get(cfg)
  if (!pacer) pacers.set(cfg, (pacer = createPacer(60_000 / google.requestsPerMinute)))
  let cache = tokens.get(cfg)
  if (!cache) tokens.set(cfg, (cache = new Map()))
  const key = String(source.id)
  // One refresh in flight per connection, shared by its sites synced at once: a refused
  // grant is asked for once, and every site waiting on it learns it from the same answer.
  const accessToken = async (fresh: boolean): Promise<string> => {
    let held = cache.get(key)
    const refused = held !== undefined && held.refreshToken === credential && held.refusedUntil !== undefined && held.refusedUntil > Date.now()
    if (!refused && (fresh || !held || held.refreshToken !== credential || held.refusedUntil !== undefined)) {
      held = { refreshToken: credential, token: refreshAccessToken(google, credential) }
      cache.set(key, held)
      const asked = held
      held.token.catch((error: unknown) => {
        if (cache.get(key) !== asked) return
        // A refused grant stays refused for this grant: the sites synced after the refusal (not
        // only those waiting on it) learn it without asking Google again, for one run's time.
        if (error instanceof SourceError && error.failure === 'reconnect') asked.refusedUntil = Date.now() + REFUSAL_MEMORY_MS
        else cache.delete(key)
      })
    }
    held = held!
    const token = await held.token
    if (token.expiresAt > Date.now()) return token.accessToken
    cache.delete(key)
    return accessToken(true)
  }
  const client = createGscClient({ accessToken, apiUrl: google.apiUrl, pacer, retry: context.retry })
  const days = context.days
  const complete = days.length ? await finalSearchDays(payload, cfg, siteId, days[0]!, days[days.length - 1]!) : new Set<string>()
  let fetched = 0
  let rows = 0
  for (const day of days) {
    if (!complete.has(day)) {
      const answer = await client.fetchDay(remoteId, day)
      rows += await replaceSearchDay(payload, cfg, { day, final: answer.final, rows: answer.rows, siteId, tenantId: context.tenantId })
      fetched++
    }
    context.onDay(day)
  }
  return { days: fetched, rows }
}
