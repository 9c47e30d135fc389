import type { Redis } from 'ioredis'

import type { AnalyticsEvent } from '../core/event.js'
import type { RealtimeEntry } from './realtimeIndex.js'
import type { BufferLogger, ClaimedEvent, EventBuffer, IngestInput, IngestResult, MalformedEntry } from './types.js'

import { createHash, randomBytes } from 'node:crypto'
import os from 'node:os'

import { BufferClosedError, BufferError, BufferFullError, BufferUnavailableError } from './errors.js'
import { decodeEntry, encodeEvent, encodeEventWithoutSession } from './eventCodec.js'
import { assertClaimCount, assertIngestInput } from './ingestInput.js'
import { APPEND_LUA, INGEST_LUA } from './luaScripts.js'
import { withTimeout } from '../core/time.js'
import { parseRealtimeMember, REALTIME_MAX_PER_SITE, REALTIME_TTL_MS, realtimeCutoff, realtimeMember } from './realtimeIndex.js'
import { callWithTimeout, CLAIM_COMMAND_TIMEOUT_MS, isFailFast } from './redisClient.js'

export interface RedisEventBufferOptions {
  /**
   * Claimed entries unacknowledged this long are handed to the next `claim` (their consumer
   * is presumed dead). Keep it above the longest time a healthy consumer holds a batch.
   * @default 60000
   */
  claimIdleMs?: number
  /** @default `<hostname>:<pid>:<random>` — unique per process, so a restarted worker is a new consumer. */
  consumer?: string
  /**
   * Consumers with nothing pending and idle this long are removed from the group (dead
   * workers would otherwise accumulate), checked at most hourly by `claim`.
   * @default 86400000 (24 h)
   */
  consumerPruneAfterMs?: number
  /** @default 1000 — malformed entries are copied to `<stream>:dead`, capped at about this many. */
  deadLetterMaxLen?: number
  /** @default 'aggregator' */
  group?: string
  /** @default 'analytics:' */
  keyPrefix?: string
  logger?: BufferLogger
  /**
   * At most this many unacknowledged entries; `ingest` and `append` then reject with a
   * `BufferFullError` (503) instead of trimming, which would drop events silently.
   * Unbounded by default: give Redis `maxmemory` with `maxmemory-policy noeviction`.
   */
  maxLen?: number
  /** Called for each malformed entry `claim` removes (e.g. to count it in a metric). */
  onMalformed?: (entry: MalformedEntry) => void
  /**
   * `ingest` and `append` reject after this long even if the client would keep waiting
   * (a safety net; the client's own `commandTimeout` should fire first).
   * @default 1500
   */
  operationTimeoutMs?: number
  /** Disconnect `redis` in `close()` (set when the buffer created the client itself). @default false */
  ownsClient?: boolean
  /**
   * An ioredis client, owned by the caller. Create it with `FAIL_FAST_REDIS_OPTIONS`
   * (`createFailFastRedis`) so calls reject at once while Redis is down.
   */
  redis: Redis
  /** @default 'events' */
  stream?: string
}

type ScriptCommand = (numberOfKeys: number, ...args: (number | string)[]) => Promise<unknown>

interface StreamEntry {
  /** The `e` field; null when the entry no longer exists or has no such field. */
  fields: null | string[]
  id: string
}

const isString = (value: unknown): value is string => typeof value === 'string'

/** `[id, [field, value, …] | null]` pairs as XREADGROUP and XAUTOCLAIM return them. */
function parseEntries(value: unknown): StreamEntry[] {
  if (!Array.isArray(value)) return []
  const entries: StreamEntry[] = []
  for (const item of value) {
    if (!Array.isArray(item) || !isString(item[0])) continue
    const fields = Array.isArray(item[1]) ? item[1].map(String) : null
    entries.push({ fields, id: item[0] })
  }
  return entries
}

function eventField(fields: string[]): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'e') return fields[index + 1]
  }
  return undefined
}

const REALTIME_TRIM_EVERY_MS = 1_000
/** The scripts' realtime trim arguments: oldest score kept, entries kept, expiry (ms). */
const realtimeTrim = (cutoff: number): number[] => [cutoff, REALTIME_MAX_PER_SITE, REALTIME_TTL_MS]

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const APPEND_CHUNK = 500
/** Chunks of one append in flight at once. */
const APPEND_IN_FLIGHT = 4
const ACK_CHUNK = 5_000
const PRUNE_INTERVAL_MS = 60 * 60 * 1000
const MAX_READ_ROUNDS = 100
const RECENT_PAGE = 5_000
/** At most this many tracked events per ingest script call (a bound on the script's run time). */
const INGEST_BATCH_MAX = 64

interface QueuedIngest {
  input: IngestInput
  reject: (error: unknown) => void
  resolve: (result: IngestResult) => void
}

/**
 * The production buffer: one Redis stream read through one consumer group.
 *
 * Keys (all share the hash tag `{<stream>}`, so one Cluster slot holds them all — the
 * stream is a single key anyway, and the ingest script needs its counters and session on
 * the same slot):
 * - `<prefix>{<stream>}`                 the stream; entry field `e` = event JSON
 * - `<prefix>{<stream>}:rl:<key>`        rate-limit counters
 * - `<prefix>{<stream>}:session:<key>`   session ids
 * - `<prefix>{<stream>}:dead`            copies of malformed entries (capped)
 * - `<prefix>{<stream>}:rt:<site>`       the site's realtime index (see `realtimeIndex.ts`)
 */
export class RedisEventBuffer implements EventBuffer {
  readonly kind = 'redis' as const
  readonly consumer: string
  readonly deadLetterKey: string
  readonly group: string
  readonly streamKey: string
  /** The client was made with `FAIL_FAST_REDIS_OPTIONS`: its own command timeout bounds every call. */
  private readonly clientTimesOut: boolean

  private readonly appendCommand: ScriptCommand
  private readonly claimIdleMs: number
  private closed = false
  private readonly consumerPruneAfterMs: number
  private cursor = '0-0'
  private readonly deadLetterMaxLen: number
  private groupReady: null | Promise<void> = null
  private readonly ingestCommand: ScriptCommand
  private ingestFlushScheduled = false
  /** Batches sent and not yet answered, so `close` can wait for them. */
  private readonly ingestInFlight = new Set<Promise<void>>()
  /** Tracked events waiting for the next batch (see `flushIngest`). */
  private ingestQueue: QueuedIngest[] = []
  private lastPrune = 0
  /** Per site, when this process last asked the ingest script to trim its realtime index. */
  private readonly lastTrim = new Map<string, number>()
  private readonly logger: BufferLogger | undefined
  private malformed = 0
  private readonly maxLen: number
  private readonly onMalformed: ((entry: MalformedEntry) => void) | undefined
  private readonly operationTimeoutMs: number
  private readonly ownsClient: boolean
  private readonly redis: Redis

  constructor(options: RedisEventBufferOptions) {
    this.redis = options.redis
    const prefix = options.keyPrefix ?? 'analytics:'
    const stream = options.stream ?? 'events'
    this.streamKey = `${prefix}{${stream}}`
    this.deadLetterKey = `${this.streamKey}:dead`
    this.group = options.group ?? 'aggregator'
    this.consumer = options.consumer ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
    this.claimIdleMs = options.claimIdleMs ?? 60_000
    this.consumerPruneAfterMs = options.consumerPruneAfterMs ?? 24 * 60 * 60 * 1000
    this.deadLetterMaxLen = options.deadLetterMaxLen ?? 1_000
    this.maxLen = options.maxLen ?? 0
    this.operationTimeoutMs = options.operationTimeoutMs ?? 1_500
    this.ownsClient = options.ownsClient ?? false
    this.logger = options.logger
    this.onMalformed = options.onMalformed
    if (!Number.isInteger(this.maxLen) || this.maxLen < 0) throw new TypeError('analytics buffer: maxLen must be a whole number ≥ 0')
    if (!Number.isInteger(this.claimIdleMs) || this.claimIdleMs < 1)
      throw new TypeError('analytics buffer: claimIdleMs must be a whole number ≥ 1')
    this.clientTimesOut = isFailFast(this.redis)
    if (!this.clientTimesOut) {
      this.logger?.warn(
        'analytics: the Redis client for the event buffer queues commands while disconnected; ' +
          'create it with FAIL_FAST_REDIS_OPTIONS (enableOfflineQueue: false, commandTimeout) so ingestion fails fast',
      )
    }
    this.ingestCommand = this.defineScript('analyticsIngest', INGEST_LUA)
    this.appendCommand = this.defineScript('analyticsAppend', APPEND_LUA)
  }

  get malformedCount(): number {
    return this.malformed
  }

  async ack(ids: string[]): Promise<void> {
    this.assertOpen()
    for (let start = 0; start < ids.length; start += ACK_CHUNK) {
      const chunk = ids.slice(start, start + ACK_CHUNK)
      const results = await this.guard(
        this.redis
          .multi()
          .xack(this.streamKey, this.group, ...chunk)
          .xdel(this.streamKey, ...chunk)
          .exec(),
        'ack',
      )
      // A missing group (Redis lost it) fails XACK; the XDEL still removed the entries.
      const failure = results?.find(([error]) => error && !errorMessage(error).startsWith('NOGROUP'))
      if (failure?.[0]) throw new BufferUnavailableError(`analytics buffer: ack failed: ${errorMessage(failure[0])}`, { cause: failure[0] })
    }
  }

  async append(events: AnalyticsEvent[]): Promise<void> {
    this.assertOpen()
    if (events.length === 0) return
    const chunks: AnalyticsEvent[][] = []
    for (let start = 0; start < events.length; start += APPEND_CHUNK) chunks.push(events.slice(start, start + APPEND_CHUNK))
    // A few chunks at a time (pipelined by the client), each chunk all-or-nothing: a whole
    // backlog sent at once would queue its last commands behind the first and time them out
    // (the client's 1 s command timeout counts from sending) on a loaded Redis.
    const cutoff = realtimeCutoff()
    const trim = realtimeTrim(cutoff)
    const send = (chunk: AnalyticsEvent[]) => {
      const keys = [this.streamKey]
      const keyNumbers = new Map<string, number>()
      const indexArgs: (number | string)[] = []
      for (const event of chunk) {
        const entry = realtimeMember(event, cutoff)
        if (!entry) continue
        const key = this.realtimeKey(event.siteId)
        let number = keyNumbers.get(key)
        if (number === undefined) keyNumbers.set(key, (number = keys.push(key)))
        indexArgs.push(number, entry.score, `${event.eventId} ${entry.member}`)
      }
      return this.appendCommand(keys.length, ...keys, chunk.length, this.maxLen, ...trim, ...chunk.map(encodeEvent), ...indexArgs)
    }
    const replies: unknown[] = []
    for (let start = 0; start < chunks.length && !replies.includes(-1); start += APPEND_IN_FLIGHT) {
      replies.push(...(await this.guard(Promise.all(chunks.slice(start, start + APPEND_IN_FLIGHT).map(send)), 'append')))
    }
    if (replies.some((reply) => reply === -1)) {
      throw new BufferFullError(`analytics buffer: the stream holds its maximum of ${this.maxLen} unacknowledged entries`)
    }
  }

  async claim(count: number): Promise<ClaimedEvent[]> {
    this.assertOpen()
    assertClaimCount(count)
    const claimed: ClaimedEvent[] = []
    const malformed: Array<MalformedEntry & { raw: string }> = []
    const vanished: string[] = []
    const take = (entries: StreamEntry[]) => {
      for (const entry of entries) {
        if (!entry.fields) {
          // Deleted while pending (Redis 6.2 still lists it): nothing to deliver.
          vanished.push(entry.id)
          continue
        }
        const raw = eventField(entry.fields)
        const decoded = decodeEntry(raw)
        if (decoded.ok) claimed.push({ event: decoded.event, id: entry.id })
        else malformed.push({ id: entry.id, raw: raw ?? JSON.stringify(entry.fields), reason: decoded.reason })
      }
    }

    await this.ensureGroup()
    // Entries whose consumer died first: they are the oldest.
    // Claims may take seconds under load: their own timeout, not the fail-fast one (redisClient.ts).
    const slow = (...args: Array<number | string>) => callWithTimeout(this.redis, CLAIM_COMMAND_TIMEOUT_MS, ...(args as [string, ...Array<number | string>]))
    const autoclaimed = await this.withGroup(() => slow('xautoclaim', this.streamKey, this.group, this.consumer, this.claimIdleMs, this.cursor, 'COUNT', count))
    const [cursor, autoclaimedEntries] = Array.isArray(autoclaimed) ? (autoclaimed as unknown[]) : []
    this.cursor = isString(cursor) ? cursor : '0-0'
    take(parseEntries(autoclaimedEntries))

    // Then new entries. Read again when malformed entries took places in the batch, so a
    // short result means no new entries are left (bounded, in case the stream is all garbage).
    for (let round = 0; round < MAX_READ_ROUNDS && claimed.length < count; round += 1) {
      const remaining = count - claimed.length
      const read = await this.withGroup(() => slow('xreadgroup', 'GROUP', this.group, this.consumer, 'COUNT', remaining, 'STREAMS', this.streamKey, '>'))
      const entries = (Array.isArray(read) ? read : []).flatMap((stream) => (Array.isArray(stream) ? parseEntries(stream[1]) : []))
      take(entries)
      if (entries.length < remaining) break
    }

    if (malformed.length > 0 || vanished.length > 0) await this.dropEntries(malformed, vanished)
    await this.pruneConsumers()
    return claimed
  }

  async close(): Promise<void> {
    if (this.closed) return
    // Events already accepted into the queue are sent, and answered, before the client goes.
    this.flushIngest()
    this.closed = true
    await Promise.allSettled(this.ingestInFlight)
    if (this.ownsClient) {
      try {
        await this.redis.quit()
      } catch {
        this.redis.disconnect()
      }
    }
  }

  ingest(input: IngestInput): Promise<IngestResult> {
    try {
      this.assertOpen()
      assertIngestInput(input)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.ingestQueue.push({ input, reject, resolve })
      if (this.ingestQueue.length >= INGEST_BATCH_MAX) this.flushIngest()
      else if (!this.ingestFlushScheduled) {
        this.ingestFlushScheduled = true
        setImmediate(this.scheduledFlush)
      }
    })
  }

  async pending(): Promise<number> {
    this.assertOpen()
    return this.guard(this.redis.xlen(this.streamKey), 'pending')
  }

  async recent(sinceMs: number, max: number): Promise<AnalyticsEvent[]> {
    this.assertOpen()
    const events: AnalyticsEvent[] = []
    let start = `${Math.max(0, Math.floor(sinceMs))}-0`
    // Stream ids start with the append time: XRANGE from there, in pages.
    while (events.length < max) {
      const count = Math.min(RECENT_PAGE, max - events.length)
      const page = parseEntries(await this.guard(this.redis.xrange(this.streamKey, start, '+', 'COUNT', count), 'recent'))
      for (const entry of page) {
        const decoded = entry.fields ? decodeEntry(eventField(entry.fields)) : null
        if (decoded?.ok) events.push(decoded.event)
      }
      if (page.length < count) break
      start = `(${page[page.length - 1]!.id}`
    }
    return events
  }

  async realtime(siteIds: Array<number | string>, sinceMs: number): Promise<RealtimeEntry[]> {
    this.assertOpen()
    if (siteIds.length === 0) return []
    // One round trip for every asked site; each set holds that site's last 30 minutes only.
    const pipeline = this.redis.pipeline()
    for (const siteId of siteIds) pipeline.zrangebyscore(this.realtimeKey(siteId), Math.floor(sinceMs), '+inf')
    const replies = await this.guard(pipeline.exec(), 'realtime')
    const entries: RealtimeEntry[] = []
    for (const [error, members] of replies ?? []) {
      if (error) throw new BufferUnavailableError(`analytics buffer: realtime failed: ${errorMessage(error)}`, { cause: error })
      for (const member of members as string[]) entries.push(parseRealtimeMember(member))
    }
    return entries
  }

  /**
   * Whether the ingest script should trim this site's realtime index (and renew its expiry)
   * now: at most once a second per site and process. Between two trims the index only
   * grows by that second's events, and its expiry is 10 minutes longer than the window.
   */
  private trimDue(siteId: number | string, now: number): boolean {
    const key = String(siteId)
    if (now - (this.lastTrim.get(key) ?? 0) < REALTIME_TRIM_EVERY_MS) return false
    this.lastTrim.set(key, now)
    return true
  }

  /** The realtime index of a site (the stream's hash tag: the ingest script writes both). */
  private realtimeKey(siteId: number | string): string {
    return `${this.streamKey}:rt:${String(siteId)}`
  }

  private assertOpen(): void {
    if (this.closed) throw new BufferClosedError()
  }

  private defineScript(name: string, lua: string): ScriptCommand {
    // Named after the script's hash: two plugin versions sharing a client never clash.
    const command = `${name}_${createHash('sha1').update(lua).digest('hex').slice(0, 8)}`
    const client = this.redis as unknown as Record<string, unknown>
    if (typeof client[command] !== 'function') this.redis.defineCommand(command, { lua })
    const fn = client[command] as ScriptCommand
    return (...args) => fn.apply(this.redis, args)
  }

  private readonly scheduledFlush = (): void => {
    this.ingestFlushScheduled = false
    this.flushIngest()
  }

  /**
   * Send the queued tracked events as one ingest script call. Events queue until the event
   * loop has handled the I/O at hand (`setImmediate`), so under load the requests whose
   * bodies arrived together share one command — encoding, the round trip, the script run
   * and the reply's decoding are paid once per batch, not once per event — while a lone
   * event waits no longer than that turn of the loop.
   */
  private flushIngest(): void {
    const queued = this.ingestQueue
    if (queued.length === 0) return
    this.ingestQueue = []
    const keys: string[] = [this.streamKey]
    const now = Date.now()
    let trim = ''
    const cutoff = realtimeCutoff(now)
    const args: (number | string)[] = [queued.length, this.maxLen, ...realtimeTrim(cutoff), '']
    for (const [index, { input }] of queued.entries()) {
      const { event, rateLimits, session } = input
      let rule = `${rateLimits.length} ${session ? (session.previousKey ? 2 : 1) : 0} ${session?.idleSeconds ?? 0}`
      for (const limit of rateLimits) {
        keys.push(`${this.streamKey}:rl:${limit.key}`)
        rule += ` ${limit.limit} ${limit.windowSeconds}`
      }
      if (session) keys.push(`${this.streamKey}:session:${session.key}`)
      if (session?.previousKey) keys.push(`${this.streamKey}:session:${session.previousKey}`)
      keys.push(this.realtimeKey(event.siteId))
      if (this.trimDue(event.siteId, now)) trim += ` ${index + 1}`
      const entry = realtimeMember(event, cutoff)
      // A session this event opens is named after it: its id is random and unique already.
      args.push(rule, session ? encodeEventWithoutSession(event) : encodeEvent(event), event.eventId, entry?.score ?? 0, entry?.member ?? '')
    }
    args[5] = trim
    const sent = this.guard(this.ingestCommand(keys.length, ...keys, ...args), 'ingest').then(
      (replies) => {
        for (let index = 0; index < queued.length; index += 1) {
          const { input, reject, resolve } = queued[index]!
          try {
            resolve(this.ingestResult(input, Array.isArray(replies) ? replies[index] : undefined))
          } catch (error) {
            reject(error)
          }
        }
      },
      (error: unknown) => {
        for (const { reject } of queued) reject(error)
      },
    )
    this.ingestInFlight.add(sent)
    void sent.finally(() => this.ingestInFlight.delete(sent))
  }

  /** One event's reply of the ingest script (see `INGEST_LUA`). */
  private ingestResult(input: IngestInput, reply: unknown): IngestResult {
    if (!Array.isArray(reply)) throw new BufferUnavailableError(`analytics buffer: unexpected ingest reply ${JSON.stringify(reply)}`)
    const status: unknown = reply[0]
    if (status === 1) {
      return {
        entryId: String(reply[1]),
        newSession: reply[3] === 1,
        sessionId: input.session ? String(reply[2]) : input.event.sessionId,
        status: 'accepted',
      }
    }
    if (status === 0) return { retryAfterSeconds: Math.max(1, Number(reply[1])), status: 'rate_limited' }
    throw new BufferFullError(`analytics buffer: the stream holds its maximum of ${this.maxLen} unacknowledged entries`)
  }

  /** Malformed entries: keep a capped copy for inspection, then ack and delete them. */
  private async dropEntries(malformed: Array<MalformedEntry & { raw: string }>, vanished: string[]): Promise<void> {
    const transaction = this.redis.multi()
    for (const entry of malformed) {
      transaction.xadd(
        this.deadLetterKey,
        'MAXLEN',
        '~',
        this.deadLetterMaxLen,
        '*',
        'id',
        entry.id,
        'reason',
        entry.reason,
        'raw',
        entry.raw.slice(0, 4_096),
      )
    }
    const ids = [...malformed.map((entry) => entry.id), ...vanished]
    transaction.xack(this.streamKey, this.group, ...ids)
    if (malformed.length > 0) transaction.xdel(this.streamKey, ...malformed.map((entry) => entry.id))
    await this.guard(transaction.exec(), 'dropping malformed entries')
    for (const entry of malformed) {
      this.malformed += 1
      this.logger?.warn(`analytics: removed malformed buffer entry ${entry.id} (${entry.reason}); a copy is in ${this.deadLetterKey}`)
      try {
        this.onMalformed?.({ id: entry.id, reason: entry.reason })
      } catch {
        // A failing metrics hook must not fail the claim.
      }
    }
  }

  /** Create the group once (from the start of the stream, so nothing appended earlier is skipped). */
  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.redis.xgroup('CREATE', this.streamKey, this.group, '0', 'MKSTREAM').then(
      () => undefined,
      (error: unknown) => {
        if (errorMessage(error).startsWith('BUSYGROUP')) return
        this.groupReady = null
        throw new BufferUnavailableError(`analytics buffer: could not create the consumer group: ${errorMessage(error)}`, { cause: error })
      },
    )
    return this.groupReady
  }

  /** Reject after `operationTimeoutMs` at the latest, and as a `BufferError`. */
  private guard<T>(promise: Promise<T>, operation: string): Promise<T> {
    const toBufferError = (error: unknown): never => {
      throw error instanceof BufferError
        ? error
        : new BufferUnavailableError(`analytics buffer: ${operation} failed: ${errorMessage(error)}`, { cause: error })
    }
    // A fail-fast client times every command out itself: no timer of our own on the hot path.
    if (this.clientTimesOut) return promise.catch(toBufferError)
    const timedOut = () =>
      new BufferUnavailableError(`analytics buffer: Redis did not answer ${operation} within ${this.operationTimeoutMs} ms`)
    return withTimeout(promise, this.operationTimeoutMs, timedOut).catch(toBufferError)
  }

  private async pruneConsumers(): Promise<void> {
    const now = Date.now()
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return
    this.lastPrune = now
    try {
      const consumers = (await this.redis.xinfo('CONSUMERS', this.streamKey, this.group)) as unknown
      if (!Array.isArray(consumers)) return
      for (const consumer of consumers) {
        if (!Array.isArray(consumer)) continue
        const info = new Map<string, unknown>()
        for (let index = 0; index + 1 < consumer.length; index += 2) info.set(String(consumer[index]), consumer[index + 1])
        const name = info.get('name')
        if (!isString(name) || name === this.consumer) continue
        if (Number(info.get('pending')) === 0 && Number(info.get('idle')) > this.consumerPruneAfterMs) {
          await this.redis.xgroup('DELCONSUMER', this.streamKey, this.group, name)
        }
      }
    } catch (error) {
      this.logger?.warn(`analytics: could not prune idle buffer consumers: ${errorMessage(error)}`)
    }
  }

  /** Run a group command; if Redis lost the group (restart without persistence, flush), recreate it once. */
  private async withGroup<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      if (!errorMessage(error).startsWith('NOGROUP')) {
        throw new BufferUnavailableError(`analytics buffer: ${errorMessage(error)}`, { cause: error })
      }
      this.groupReady = null
      await this.ensureGroup()
      try {
        return await run()
      } catch (retryError) {
        throw new BufferUnavailableError(`analytics buffer: ${errorMessage(retryError)}`, { cause: retryError })
      }
    }
  }
}

export function createRedisEventBuffer(options: RedisEventBufferOptions): RedisEventBuffer {
  return new RedisEventBuffer(options)
}
