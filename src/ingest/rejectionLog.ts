import type { Redis } from 'ioredis'

/**
 * The last few tracking requests a known site refused, and why: what a site's
 * admins see on its Analytics tab while anonymous clients are told nothing
 * (`ingest.explainRejections` off). No IP, user-agent or path: the reason, the time and,
 * for a hostname refusal, the page's hostname.
 */
export interface RejectionEntry {
  /** The page's hostname, when the site does not allow it. */
  hostname?: string
  reason: string
  /** ISO time. */
  time: string
}

export interface RejectionLog {
  /** Newest first, at most `RECENT_REJECTIONS` of them. */
  recent(siteId: number | string): Promise<RejectionEntry[]>
  /** Fire and forget: never slows or fails the tracking request. */
  record(siteId: number | string, entry: RejectionEntry): void
}

/** How many entries a site keeps: enough to see a pattern, bounded however much is refused. */
export const RECENT_REJECTIONS = 20

/** Entries of a site nobody looks at fade after a week. */
const KEEP_SECONDS = 7 * 24 * 3600

/**
 * In Redis, one capped list per site, so every Payload instance and standalone ingest server
 * writes to the one list the admin reads.
 */
export function createRedisRejectionLog(redis: Redis, keyPrefix: string): RejectionLog {
  const key = (siteId: number | string) => `${keyPrefix}rejections:${String(siteId)}`
  return {
    async recent(siteId) {
      const entries = await redis.lrange(key(siteId), 0, RECENT_REJECTIONS - 1)
      return entries.map((json) => JSON.parse(json) as RejectionEntry)
    },
    record(siteId, entry) {
      redis
        .multi()
        .lpush(key(siteId), JSON.stringify(entry))
        .ltrim(key(siteId), 0, RECENT_REJECTIONS - 1)
        .expire(key(siteId), KEEP_SECONDS)
        .exec()
        .catch(() => undefined)
    },
  }
}

/** In process, for a single instance without Redis: bounded per site, and sites are known ones. */
export function createMemoryRejectionLog(): RejectionLog {
  const bySite = new Map<string, RejectionEntry[]>()
  return {
    async recent(siteId) {
      return [...(bySite.get(String(siteId)) ?? [])]
    },
    record(siteId, entry) {
      const list = bySite.get(String(siteId)) ?? []
      list.unshift(entry)
      list.length = Math.min(list.length, RECENT_REJECTIONS)
      bySite.set(String(siteId), list)
    },
  }
}
