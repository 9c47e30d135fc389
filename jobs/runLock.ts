import type { Redis } from 'ioredis'

import { randomBytes } from 'node:crypto'

/** A held lock; `release` is safe to call more than once. */
export interface LockLease {
  /** True once the lock was found taken by someone else or expired (a renewal failed for longer than the TTL). */
  readonly lost: boolean
  release(): Promise<void>
}

/**
 * "One at a time in the whole deployment" for a named job. A lease is renewed while held,
 * so a long run keeps it, and a process that dies loses it after the TTL.
 */
export interface RunLock {
  /** Wait until the lock is free and take it, or give up after `waitMs` (null). */
  acquire(options: { waitMs: number }): Promise<LockLease | null>
  readonly kind: 'memory' | 'redis'
  /** Take the lock if it is free right now; null if someone holds it. */
  tryAcquire(): Promise<LockLease | null>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `KEYS[1]` the lock, `ARGV[1]` the token, `ARGV[2]` the TTL: extend the lock only while it is still ours. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`

/** Compare-and-delete: never remove a lock another holder took after ours expired. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

export interface RedisRunLockOptions {
  /** Called once when a lease turns out to be lost while its run goes on. */
  onLost?: (key: string) => void
  /** How often a held lease is extended. @default ttlMs / 3 */
  renewMs?: number
  /** Lifetime of the key without renewal: how long a crashed holder blocks the others. @default 30000 */
  ttlMs?: number
}

/**
 * A lock in Redis: `SET key token NX PX ttl` to take it, a script that extends it while the
 * key still holds our token (every `renewMs`), and a compare-and-delete script to release
 * it. A holder that dies (SIGKILL, lost network) stops renewing and the key expires after
 * `ttlMs`. Uses the caller's client (the plugin's fail-fast one): each command is short.
 */
export class RedisRunLock implements RunLock {
  readonly kind = 'redis' as const
  private readonly renewMs: number
  private readonly ttlMs: number

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly options: RedisRunLockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000
    this.renewMs = options.renewMs ?? Math.max(50, Math.floor(this.ttlMs / 3))
  }

  async tryAcquire(): Promise<LockLease | null> {
    const token = randomBytes(12).toString('base64url')
    const taken = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX')
    return taken === 'OK' ? this.lease(token) : null
  }

  async acquire({ waitMs }: { waitMs: number }): Promise<LockLease | null> {
    const deadline = Date.now() + waitMs
    let pause = 50
    for (;;) {
      const lease = await this.tryAcquire()
      if (lease) return lease
      const left = deadline - Date.now()
      if (left <= 0) return null
      await sleep(Math.min(pause, left))
      pause = Math.min(pause * 2, 500)
    }
  }

  private lease(token: string): LockLease {
    const { key, redis, ttlMs } = this
    let lost = false
    let released = false
    let renewedAt = Date.now()
    const markLost = () => {
      if (lost) return
      lost = true
      this.options.onLost?.(key)
    }
    const timer = setInterval(() => {
      redis.eval(RENEW_SCRIPT, 1, key, token, String(ttlMs)).then(
        (extended) => {
          if (Number(extended) === 1) renewedAt = Date.now()
          else markLost()
        },
        // Redis unreachable: the key may still be ours; it is gone for sure once the TTL has passed.
        () => {
          if (Date.now() - renewedAt > ttlMs) markLost()
        },
      )
    }, this.renewMs)
    timer.unref()
    return {
      get lost() {
        return lost
      },
      async release() {
        if (released) return
        released = true
        clearInterval(timer)
        // If Redis is unreachable the key expires on its own after the TTL.
        await redis.eval(RELEASE_SCRIPT, 1, key, token).catch(() => undefined)
      },
    }
  }
}

/** The same in one process (no Redis: a single instance). */
export class MemoryRunLock implements RunLock {
  readonly kind = 'memory' as const
  private held = false
  private waiters: Array<() => void> = []

  async tryAcquire(): Promise<LockLease | null> {
    if (this.held) return null
    this.held = true
    return this.lease()
  }

  async acquire({ waitMs }: { waitMs: number }): Promise<LockLease | null> {
    const deadline = Date.now() + waitMs
    while (this.held) {
      const left = deadline - Date.now()
      if (left <= 0) return null
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((waiter) => waiter !== wake)
          resolve()
        }, left)
        this.waiters.push(wake)
      })
    }
    this.held = true
    return this.lease()
  }

  private lease(): LockLease {
    let released = false
    return {
      lost: false,
      release: async () => {
        if (released) return
        released = true
        this.held = false
        this.waiters.shift()?.()
      },
    }
  }
}

export function createRunLock(options: { key: string; onLost?: (key: string) => void; redis: null | Redis; ttlMs?: number }): RunLock {
  return options.redis ? new RedisRunLock(options.redis, options.key, { onLost: options.onLost, ttlMs: options.ttlMs }) : new MemoryRunLock()
}
