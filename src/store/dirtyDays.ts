import type { Redis } from 'ioredis'

import type { SiteDay } from '../core/dailyStats.js'

import { randomBytes } from 'node:crypto'

import { parseSiteDayKey, siteDayKey } from '../core/dailyStats.js'

/** A (site, day) waiting for its recompute, with the mark it was listed under. */
export interface DirtyDay {
  day: string
  siteId: string
  /** Changes whenever the pair is marked again; `clear` only removes the mark it was listed with. */
  mark: string
}

/**
 * The (site, day) pairs whose raw events changed since their daily statistics were last
 * recomputed. The aggregation marks the days of every batch it inserts (before it acks the
 * batch), recomputes every listed pair once the buffer is drained, and then clears them.
 *
 * Clearing is compare-and-delete: every `mark` gives the pair a new random mark, and
 * `clear` removes a pair only if it still has the mark `list` returned. So a pair marked
 * again while it was being recomputed (another worker inserted events of that day after the
 * recompute had read the table) stays dirty for the next run instead of being lost.
 */
export interface DirtyDays {
  /** Remove the listed pairs that were not marked again since; returns how many were removed. */
  clear(days: readonly DirtyDay[]): Promise<number>
  readonly kind: 'memory' | 'redis'
  /** Every dirty pair. */
  list(): Promise<DirtyDay[]>
  mark(pairs: readonly SiteDay[]): Promise<void>
}

const newMark = () => randomBytes(9).toString('base64url')

/** In-process: for a single instance without Redis (its buffer does not survive a restart either). */
export class MemoryDirtyDays implements DirtyDays {
  readonly kind = 'memory' as const
  private readonly marks = new Map<string, string>()

  async clear(days: readonly DirtyDay[]): Promise<number> {
    let removed = 0
    for (const day of days) {
      const key = siteDayKey(day)
      if (this.marks.get(key) === day.mark) {
        this.marks.delete(key)
        removed++
      }
    }
    return removed
  }

  async list(): Promise<DirtyDay[]> {
    return [...this.marks].flatMap(([key, mark]) => {
      const pair = parseSiteDayKey(key)
      return pair ? [{ ...pair, mark }] : []
    })
  }

  async mark(pairs: readonly SiteDay[]): Promise<void> {
    const mark = newMark()
    for (const pair of pairs) this.marks.set(siteDayKey(pair), mark)
  }
}

/** `KEYS[1]` the hash; `ARGV` field, mark, field, mark…; deletes each field still holding its mark. */
const CLEAR_SCRIPT = `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed`

const CHUNK = 1_000

/**
 * In Redis, beside the buffer (so the marks are exactly as durable as the acks that follow
 * them: with AOF, a restart that kept an ack kept the mark written before it): a hash at
 * `<prefix>dirty-days`, fields `siteId|day`, values the marks.
 */
export class RedisDirtyDays implements DirtyDays {
  readonly key: string
  readonly kind = 'redis' as const

  constructor(
    private readonly redis: Redis,
    keyPrefix = 'analytics:',
  ) {
    this.key = `${keyPrefix}dirty-days`
  }

  async clear(days: readonly DirtyDay[]): Promise<number> {
    let removed = 0
    for (let i = 0; i < days.length; i += CHUNK) {
      const args = days.slice(i, i + CHUNK).flatMap((day) => [siteDayKey(day), day.mark])
      removed += Number(await this.redis.eval(CLEAR_SCRIPT, 1, this.key, ...args))
    }
    return removed
  }

  async list(): Promise<DirtyDay[]> {
    const all = await this.redis.hgetall(this.key)
    return Object.entries(all).flatMap(([key, mark]) => {
      const pair = parseSiteDayKey(key)
      return pair ? [{ ...pair, mark }] : []
    })
  }

  async mark(pairs: readonly SiteDay[]): Promise<void> {
    if (pairs.length === 0) return
    const mark = newMark()
    for (let i = 0; i < pairs.length; i += CHUNK) {
      await this.redis.hset(this.key, Object.fromEntries(pairs.slice(i, i + CHUNK).map((pair) => [siteDayKey(pair), mark])))
    }
  }
}

/** In Redis when the runtime has a Redis client, in this process otherwise. */
export function createDirtyDays(options: { keyPrefix?: string; redis: null | Redis }): DirtyDays {
  return options.redis ? new RedisDirtyDays(options.redis, options.keyPrefix) : new MemoryDirtyDays()
}
