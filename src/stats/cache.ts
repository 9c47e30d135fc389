/**
 * The stats cache: results kept 5 minutes, keyed by the normalised query, the site set it
 * covers and a generation counter per site (plus one for everything). Invalidating a site
 * is one INCR of its counter: every key that covered it is simply never asked for again
 * and expires on its own — no key scans, no race with a write in flight.
 *
 * With Redis the cache is shared by every instance; without, it lives in this process,
 * bounded. A cache that fails (Redis down) is a miss, never an error.
 */
import type { Redis } from 'ioredis'

import { createHash } from 'node:crypto'

export const STATS_CACHE_TTL_SECONDS = 5 * 60

export interface StatsCache {
  /** The cached value, or the key to store it under after computing it. */
  get<T>(kind: string, query: unknown, siteIds: readonly string[]): Promise<{ key: string; value: null | T }>
  set(key: string, value: unknown): Promise<void>
  /** Forget every result covering these sites (`all`: every result). */
  invalidate(siteIds: readonly string[] | 'all'): Promise<void>
}

const GLOBAL = '*'

const digest = (kind: string, query: unknown, siteIds: readonly string[], generations: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify([kind, query, siteIds, generations])).digest('base64url')

export function createRedisStatsCache(redis: Redis, keyPrefix: string, onError?: (error: Error) => void): StatsCache {
  const genKey = (site: string) => `${keyPrefix}stats:gen:${site}`
  const report = (error: unknown) => {
    onError?.(error as Error)
    return null
  }
  return {
    async get<T>(kind: string, query: unknown, siteIds: readonly string[]) {
      const generations = await redis.mget(genKey(GLOBAL), ...siteIds.map(genKey)).catch(report)
      if (!generations) return { key: '', value: null }
      const key = `${keyPrefix}stats:cache:${digest(kind, query, siteIds, generations.map((g) => g ?? '0'))}`
      const json = await redis.get(key).catch(report)
      return { key, value: json ? (JSON.parse(json) as T) : null }
    },
    async invalidate(siteIds) {
      const sites = siteIds === 'all' ? [GLOBAL] : [...new Set(siteIds)]
      if (sites.length === 0) return
      const multi = redis.multi()
      for (const site of sites) multi.incr(genKey(site))
      await multi.exec().catch(report)
    },
    async set(key, value) {
      if (!key) return
      await redis.set(key, JSON.stringify(value), 'EX', STATS_CACHE_TTL_SECONDS).catch(report)
    },
  }
}

/** One process, at most `maxEntries` results (the oldest go first). */
export function createMemoryStatsCache(maxEntries = 500, now: () => number = Date.now): StatsCache {
  const generations = new Map<string, number>()
  const entries = new Map<string, { expiresAt: number; json: string }>()
  return {
    async get<T>(kind: string, query: unknown, siteIds: readonly string[]) {
      const gens = [GLOBAL, ...siteIds].map((site) => String(generations.get(site) ?? 0))
      const key = digest(kind, query, siteIds, gens)
      const entry = entries.get(key)
      if (!entry || entry.expiresAt <= now()) {
        entries.delete(key)
        return { key, value: null }
      }
      return { key, value: JSON.parse(entry.json) as T }
    },
    async invalidate(siteIds) {
      for (const site of siteIds === 'all' ? [GLOBAL] : siteIds) generations.set(site, (generations.get(site) ?? 0) + 1)
    },
    async set(key, value) {
      entries.delete(key)
      entries.set(key, { expiresAt: now() + STATS_CACHE_TTL_SECONDS * 1000, json: JSON.stringify(value) })
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
      }
    },
  }
}
