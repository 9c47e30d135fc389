import type { RedisOptions } from 'ioredis'

import { Command, Redis } from 'ioredis'

/**
 * ioredis options that make every command fail fast while Redis is down or hung, so the
 * ingestion endpoint answers 503 at once instead of queueing requests in memory:
 * - `enableOfflineQueue: false`: a command issued while disconnected rejects immediately
 *   ("Stream isn't writeable…") instead of waiting in the offline queue;
 * - `commandTimeout: 1000`: a connected but unresponsive server (paused, overloaded)
 *   rejects the command after 1 s;
 * - `maxRetriesPerRequest: 1`: commands in flight when the connection drops are not
 *   replayed for long;
 * - `connectTimeout: 1000` and a retry strategy capped at 2 s: reconnects quickly once
 *   Redis is back.
 * The buffer issues no blocking commands; the aggregation's claims, which may take seconds,
 * run with their own timeout (`callWithTimeout`). BullMQ needs its own client
 * (`maxRetriesPerRequest: null`), not this one.
 */
export const FAIL_FAST_REDIS_OPTIONS = {
  commandTimeout: 1_000,
  connectTimeout: 1_000,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2_000),
} satisfies RedisOptions

/**
 * How long the aggregation waits for one claim command. Claiming a batch of thousands of
 * entries returns megabytes and, with `appendonly`, writes one XCLAIM per entry to the AOF:
 * on a loaded host it took over 1 s, and the fail-fast timeout (meant for the tracking
 * endpoint) failed the run — the entries Redis had handed out then waited `claimIdleMs`
 * before another claim took them. The worker can wait; a Redis that is down still fails at
 * once (no offline queue).
 */
export const CLAIM_COMMAND_TIMEOUT_MS = 30_000

/** One command on `redis` with its own timeout instead of the client's `commandTimeout`; replies as strings. */
export function callWithTimeout(redis: Redis, timeoutMs: number, name: string, ...args: Array<number | string>): Promise<unknown> {
  const command = new Command(name, args, { keyPrefix: redis.options.keyPrefix, replyEncoding: 'utf8' })
  // ioredis arms `commandTimeout` only on a command that has no timer yet: this one stays.
  command.setTimeout(timeoutMs)
  return redis.sendCommand(command) as Promise<unknown>
}

/** A client with `FAIL_FAST_REDIS_OPTIONS` (overridable) for the buffer and the salt store; the URL is checked first. */
export function createFailFastRedis(url: string, overrides: RedisOptions = {}): Redis {
  return new Redis(checkRedisUrl(url), { ...FAIL_FAST_REDIS_OPTIONS, ...overrides })
}

/** A Redis URL with its password replaced by `***`, for logs and error messages. */
export const redactRedisUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')

/**
 * The one check of a Redis URL, made when the plugin's options are resolved (and by every
 * client the plugin creates): `redis://[user:password@]host[:port][/0]`, `rediss://…` (TLS),
 * or the absolute path of a unix socket. ioredis takes anything else — `redis//host`,
 * `http://host` — as a socket path and fails later with a confusing error, so those are
 * refused here with one that says what is wrong. A database index other than 0 is refused
 * too: Redis Cluster has only database 0, and an index the server does not have would have
 * ioredis fall back to database 0 without a word. Share a Redis with `redisKeyPrefix` instead.
 */
export function checkRedisUrl(url: string): string {
  const invalid = (why: string) =>
    new TypeError(
      `payload-plugin-analytics: invalid REDIS_URL "${redactRedisUrl(url)}" (the redisUrl option or REDIS_URL): ${why}. ` +
        'Expected redis://[user:password@]host[:port], rediss://… for TLS, or the absolute path of a unix socket.',
    )
  if (url.startsWith('/')) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalid('not a URL')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw invalid(`the scheme must be redis: or rediss:, not ${parsed.protocol}`)
  if (!parsed.hostname) throw invalid('no host')
  const db = parsed.pathname.replace(/^\/+/, '')
  if (db !== '' && db !== '0') {
    throw invalid(`database "${db}" is not supported: only database 0 (Redis Cluster has no other); give each app its own redisKeyPrefix to share a Redis`)
  }
  return url
}

/**
 * Resolve once the client is ready or after `timeoutMs`, whichever comes first; never
 * rejects (the client keeps reconnecting on its own). Returns whether it is ready.
 * With the offline queue off, commands sent before `ready` fail, so callers that create a
 * client at startup wait here first.
 */
export function waitForReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      resolve(ready)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    redis.on('ready', onReady)
  })
}

/** Whether a client was created with options that make the buffer fail fast. */
export function isFailFast(redis: Redis): boolean {
  const options = redis.options
  return options.enableOfflineQueue === false && typeof options.commandTimeout === 'number' && options.commandTimeout > 0
}
