/**
 * `Authorization: Bearer <key>` for the read APIs: the key is looked up by its hash, must be
 * live and carry the scope the endpoint needs, and is counted against its hourly limit
 * (Redis, shared by every instance; in-process without Redis). The request then reads as
 * the key's owner — loaded afresh on every request, so the owner's access to the sites
 * collection is evaluated now — narrowed to the key's sites when it names some.
 */
import type { Redis } from 'ioredis'
import type { Payload, PayloadRequest } from 'payload'

import type { ApiKeyScope } from '../core/apiKeySecret.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { bearerSecret, DEFAULT_HOURLY_LIMIT, hashApiKeySecret } from '../core/apiKeySecret.js'
import { relationId } from '../core/relationId.js'
import { KEY_SITES_CONTEXT } from '../stats/callerSites.js'

/** How often a key's last-used time is written, at most (per instance): not one write per request. */
const LAST_USED_EVERY_MS = 60_000
const HOUR_MS = 3_600_000

export type KeyRefusal = { error: string; headers?: Record<string, string>; reason: 'invalid' | 'limited' | 'missing' | 'scope'; status: 401 | 403 | 429 }

export interface KeyGrant {
  id: number | string
  scopes: readonly string[]
}

interface KeyDoc {
  hourlyLimit?: null | number
  id: number | string
  revoked?: boolean | null
  scopes?: null | string[]
  sites?: null | unknown[]
  user?: unknown
}

export function createApiKeyAuth(deps: { cfg: SanitizedAnalyticsConfig; now?: () => number; payload: Payload; redis: null | Redis }) {
  const { cfg, payload, redis } = deps
  const now = deps.now ?? Date.now
  const lastWritten = new Map<string, number>()
  const memoryCounts = new Map<string, number>()

  /** This hour's count of the key after this request. */
  const count = async (id: string): Promise<{ count: number; resetSeconds: number }> => {
    const time = now()
    const hour = Math.floor(time / HOUR_MS)
    const resetSeconds = Math.ceil(((hour + 1) * HOUR_MS - time) / 1000)
    const key = `${cfg.redisKeyPrefix}apikey:${id}:${hour}`
    if (redis) {
      const [[, value]] = (await redis.multi().incr(key).expire(key, 2 * 3600).exec()) as [[null, number], unknown]
      return { count: value, resetSeconds }
    }
    for (const name of memoryCounts.keys()) if (!name.endsWith(`:${hour}`)) memoryCounts.delete(name)
    const value = (memoryCounts.get(key) ?? 0) + 1
    memoryCounts.set(key, value)
    return { count: value, resetSeconds }
  }

  const touch = (id: string) => {
    const time = now()
    if ((lastWritten.get(id) ?? 0) > time - LAST_USED_EVERY_MS) return
    lastWritten.set(id, time)
    void payload
      .update({ collection: cfg.slugs.apiKeys, data: { lastUsedAt: new Date(time).toISOString() }, depth: 0, id, overrideAccess: true } as Parameters<Payload['update']>[0])
      .catch(() => lastWritten.delete(id))
  }

  /**
   * Null when the request carries no Bearer key (the caller then needs a login as usual);
   * otherwise the grant (the request now reads as the key's owner) or why not.
   */
  async function authenticate(req: PayloadRequest, scope: ApiKeyScope): Promise<KeyGrant | KeyRefusal | null> {
    const secret = bearerSecret(req.headers.get('authorization'))
    if (secret === null) return null
    const invalid: KeyRefusal = { error: INVALID_KEY, reason: 'invalid', status: 401 }
    if (secret === '') return invalid
    const { docs } = await payload.find({
      collection: cfg.slugs.apiKeys,
      depth: 0,
      limit: 1,
      overrideAccess: true,
      pagination: false,
      where: { secretHash: { equals: hashApiKeySecret(secret) } },
    } as Parameters<Payload['find']>[0])
    const key = docs[0] as KeyDoc | undefined
    const ownerId = relationId(key?.user)
    if (!key || key.revoked || ownerId === null) return invalid
    const scopes = key.scopes ?? []
    if (!scopes.includes(scope)) return { error: `This API key lacks the ${scope} scope this endpoint needs.`, reason: 'scope', status: 403 }

    const limit = key.hourlyLimit ?? DEFAULT_HOURLY_LIMIT
    const used = await count(String(key.id))
    if (used.count > limit) {
      return {
        error: `Too many API requests. Your API key is limited to ${limit} requests per hour.`,
        headers: { 'Retry-After': String(used.resetSeconds) },
        reason: 'limited',
        status: 429,
      }
    }

    const users = payload.collections[cfg.usersCollection]
    const owner = await payload
      .findByID({ collection: cfg.usersCollection, depth: users?.config.auth?.depth ?? 0, disableErrors: true, id: ownerId, overrideAccess: true } as Parameters<Payload['findByID']>[0])
      .catch(() => null)
    if (!owner) return invalid
    req.user = { ...(owner as object), collection: cfg.usersCollection } as PayloadRequest['user']
    const sites = (key.sites ?? []).map(relationId).filter((id) => id !== null)
    if (sites.length) req.context[KEY_SITES_CONTEXT] = sites.map(String)
    touch(String(key.id))
    return { id: key.id, scopes }
  }

  return { authenticate }
}

export type ApiKeyAuth = ReturnType<typeof createApiKeyAuth>

/** Plausible's wording for a request without a key. */
export const MISSING_KEY = 'Missing API key. Please use a valid Plausible API key as a Bearer Token.'
/** … and for a key that opens nothing (unknown, revoked, its owner gone). */
export const INVALID_KEY = "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested."

export const isRefusal = (result: KeyGrant | KeyRefusal): result is KeyRefusal => 'status' in result
