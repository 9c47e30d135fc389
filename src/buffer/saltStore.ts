import type { Redis } from 'ioredis'

import { randomBytes } from 'node:crypto'

import { BufferUnavailableError } from './errors.js'
import { DAY_MS } from '../core/time.js'

/**
 * Daily salts for the visitor hash. Every instance gets the same salt for a day, and a
 * salt is deleted once its day is neither today nor yesterday (UTC), so yesterday's hashes
 * can no longer be recomputed — the Plausible scheme.
 */
export interface SaltStore {
  /** The salt of a UTC day `YYYY-MM-DD`: 64 hex characters (32 random bytes). */
  saltFor(day: string): Promise<string>
}

/** A salt is never kept longer than this. */
export const SALT_MAX_AGE_SECONDS = 48 * 60 * 60

const MIN_TTL_SECONDS = 60

/** The UTC day of a date, `YYYY-MM-DD`. */
export const utcDay = (date: Date = new Date()): string => date.toISOString().slice(0, 10)

function dayStart(day: string): number {
  const start = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : Number.NaN
  if (Number.isNaN(start) || utcDay(new Date(start)) !== day) throw new TypeError(`analytics: not a UTC day (YYYY-MM-DD): ${day}`)
  return start
}

/**
 * Seconds a day's salt is kept from `now`: until the end of the following day (when the
 * day stops being "yesterday"), never more than 48 h, and at least a minute so a request
 * for an old day still gets one consistent answer.
 */
export function saltTtlSeconds(day: string, now: number = Date.now()): number {
  const seconds = Math.ceil((dayStart(day) + 2 * DAY_MS - now) / 1000)
  return Math.min(SALT_MAX_AGE_SECONDS, Math.max(MIN_TTL_SECONDS, seconds))
}

const newSalt = (): string => randomBytes(32).toString('hex')

/**
 * Keeps each day's salt in process (it is read on every tracked request: after the first
 * read of a day no round trip is made) and forgets days older than yesterday. The cached
 * salt is not re-read: should Redis lose the key within the day (a restart without
 * persistence), instances that already cached it keep the old salt until the day ends.
 */
abstract class CachedSaltStore implements SaltStore {
  private readonly cache = new Map<string, Promise<string>>()

  saltFor(day: string): Promise<string> {
    const cached = this.cache.get(day)
    if (cached) return cached
    try {
      dayStart(day)
    } catch (error) {
      return Promise.reject(error)
    }
    this.forgetOldDays()
    const loading = this.load(day).catch((error: unknown) => {
      this.cache.delete(day)
      throw error
    })
    this.cache.set(day, loading)
    return loading
  }

  /** Days currently held in process (for tests and diagnostics). */
  cachedDays(): string[] {
    return [...this.cache.keys()].sort()
  }

  protected abstract load(day: string): Promise<string>

  private forgetOldDays(): void {
    const yesterday = utcDay(new Date(Date.now() - DAY_MS))
    for (const day of this.cache.keys()) if (day < yesterday) this.cache.delete(day)
  }
}

export interface RedisSaltStoreOptions {
  /** @default 'analytics:' — salts live at `<keyPrefix>salt:<day>`. */
  keyPrefix?: string
  /** Owned by the caller; create it with `FAIL_FAST_REDIS_OPTIONS`. */
  redis: Redis
}

/** Salts shared by every instance through Redis: the first instance to ask for a day creates it (SET NX). */
export class RedisSaltStore extends CachedSaltStore {
  private readonly keyPrefix: string
  private readonly redis: Redis

  constructor(options: RedisSaltStoreOptions) {
    super()
    this.redis = options.redis
    this.keyPrefix = options.keyPrefix ?? 'analytics:'
  }

  keyFor(day: string): string {
    return `${this.keyPrefix}salt:${day}`
  }

  protected async load(day: string): Promise<string> {
    const key = this.keyFor(day)
    let results: [Error | null, unknown][] | null
    try {
      // One round trip: create if absent (with its expiry), then read whichever salt won.
      results = await this.redis.multi().set(key, newSalt(), 'EX', saltTtlSeconds(day), 'NX').get(key).exec()
    } catch (error) {
      throw new BufferUnavailableError(
        `analytics: could not read the salt of ${day}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      )
    }
    const [error, salt] = results?.[1] ?? [null, null]
    if (error || typeof salt !== 'string') {
      throw new BufferUnavailableError(`analytics: could not read the salt of ${day}: ${error?.message ?? 'no value'}`, { cause: error })
    }
    return salt
  }
}

/**
 * Salts kept by a function of the caller's (the Payload app stores them in Postgres when
 * there is no Redis); cached in process like the others.
 */
export class LoaderSaltStore extends CachedSaltStore {
  constructor(private readonly loader: (day: string, fresh: () => string) => Promise<string>) {
    super()
  }

  protected load(day: string): Promise<string> {
    return this.loader(day, newSalt)
  }
}

/** Salts for a single instance without Redis: random per day, kept in process only. */
export class MemorySaltStore extends CachedSaltStore {
  protected load(): Promise<string> {
    return Promise.resolve(newSalt())
  }
}

/** The Redis store when a client is given, the in-process one otherwise. */
export function createSaltStore(options: { keyPrefix?: string; redis?: null | Redis }): SaltStore {
  return options.redis ? new RedisSaltStore({ keyPrefix: options.keyPrefix, redis: options.redis }) : new MemorySaltStore()
}
