import type { Redis, RedisOptions } from 'ioredis'

import type { BufferLogger, EventBuffer, MalformedEntry } from './types.js'

import { MemoryEventBuffer } from './memoryBuffer.js'
import { RedisEventBuffer } from './redisBuffer.js'
import { createFailFastRedis, waitForReady } from './redisClient.js'

export { BufferClosedError, BufferError, BufferFullError, BufferUnavailableError } from './errors.js'
export type { BufferErrorCode } from './errors.js'
export { MemoryEventBuffer } from './memoryBuffer.js'
export type { MemoryEventBufferOptions } from './memoryBuffer.js'
export { RedisEventBuffer } from './redisBuffer.js'
export type { RedisEventBufferOptions } from './redisBuffer.js'
export { createFailFastRedis, FAIL_FAST_REDIS_OPTIONS, isFailFast, waitForReady } from './redisClient.js'
export { createSaltStore, LoaderSaltStore, MemorySaltStore, RedisSaltStore, SALT_MAX_AGE_SECONDS, saltTtlSeconds, utcDay } from './saltStore.js'
export type { SaltStore } from './saltStore.js'
export type * from './types.js'

export interface CreateEventBufferOptions {
  /** @default 60000 */
  claimIdleMs?: number
  /** Redis consumer name. @default `<hostname>:<pid>:<random>` */
  consumer?: string
  /** How long to wait for a client created from `redisUrl` to connect before going on (never fails). @default 2000 */
  connectWaitMs?: number
  /** Redis consumer group. @default 'aggregator' */
  group?: string
  /** @default 'analytics:' */
  keyPrefix?: string
  logger?: BufferLogger
  /** Redis: at most this many unacknowledged entries (503 beyond). Unbounded by default. */
  maxLen?: number
  /** The in-process buffer's bounds. */
  memory?: { maxEntries?: number; maxKeys?: number }
  onMalformed?: (entry: MalformedEntry) => void
  /** An existing client (kept open by `close()`); takes precedence over `redisUrl`. */
  redis?: null | Redis
  /** Options for the client created from `redisUrl`, over `FAIL_FAST_REDIS_OPTIONS`. */
  redisOptions?: RedisOptions
  /** A Redis URL; without it (and without `redis`) the in-process buffer is used. */
  redisUrl?: null | string
  /** Redis stream name. @default 'events' */
  stream?: string
}

const ERROR_LOG_INTERVAL_MS = 30_000

/**
 * The Redis buffer when a client or URL is given, the in-process buffer otherwise; logs
 * which. A client created from `redisUrl` fails fast, is owned by the buffer (closed by
 * `close()`), and is waited for up to `connectWaitMs` — if Redis is not there yet the
 * buffer is returned anyway and ingestion answers 503 until it is.
 */
export async function createEventBuffer(options: CreateEventBufferOptions = {}): Promise<EventBuffer> {
  const { logger } = options
  let redis = options.redis ?? null
  let ownsClient = false
  if (!redis && options.redisUrl) {
    const client = createFailFastRedis(options.redisUrl, options.redisOptions)
    let lastLogged = 0
    // Without a listener ioredis prints every reconnect failure; log them, throttled.
    client.on('error', (error: Error) => {
      const now = Date.now()
      if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return
      lastLogged = now
      logger?.warn(`analytics: Redis error (the buffer retries on its own): ${error.message}`)
    })
    if (!(await waitForReady(client, options.connectWaitMs ?? 2_000))) {
      logger?.warn('analytics: Redis is not reachable yet; the tracking endpoint answers 503 until it is')
    }
    redis = client
    ownsClient = true
  }

  if (!redis) {
    logger?.info('analytics: no REDIS_URL, using the in-process buffer (single instance, development only)')
    return new MemoryEventBuffer({
      claimIdleMs: options.claimIdleMs,
      logger,
      maxEntries: options.memory?.maxEntries,
      maxKeys: options.memory?.maxKeys,
      onMalformed: options.onMalformed,
    })
  }

  const buffer = new RedisEventBuffer({
    claimIdleMs: options.claimIdleMs,
    consumer: options.consumer,
    group: options.group,
    keyPrefix: options.keyPrefix,
    logger,
    maxLen: options.maxLen,
    onMalformed: options.onMalformed,
    ownsClient,
    redis,
    stream: options.stream,
  })
  logger?.info(`analytics: buffering events in the Redis stream ${buffer.streamKey} (consumer group ${buffer.group})`)
  return buffer
}
