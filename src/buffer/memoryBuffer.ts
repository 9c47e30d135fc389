import type { AnalyticsEvent } from '../core/event.js'
import type { RealtimeEntry } from './realtimeIndex.js'
import type { BufferLogger, ClaimedEvent, EventBuffer, IngestInput, IngestResult, MalformedEntry } from './types.js'

import { BufferClosedError, BufferFullError } from './errors.js'
import { decodeEntry, encodeEvent, encodeEventWithoutSession, spliceSessionId } from './eventCodec.js'
import { assertClaimCount, assertIngestInput } from './ingestInput.js'
import { parseRealtimeMember, REALTIME_MAX_PER_SITE, realtimeCutoff, realtimeMember } from './realtimeIndex.js'

export interface MemoryEventBufferOptions {
  /** @default 60000 — as the Redis buffer: unacked claimed entries are redelivered after this long. */
  claimIdleMs?: number
  logger?: BufferLogger
  /**
   * At most this many unacknowledged events; `ingest` and `append` then reject with a
   * `BufferFullError` (the endpoint answers 503).
   * @default 100000
   */
  maxEntries?: number
  /**
   * At most this many live rate-limit counters, and as many sessions; beyond, expired ones
   * are swept and then the least recently used dropped (a dropped session means the
   * visitor's next event starts a new one).
   * @default 100000
   */
  maxKeys?: number
  onMalformed?: (entry: MalformedEntry) => void
}

interface Expiring {
  expiresAt: number
}

/**
 * The buffer for a single development instance without Redis, with the Redis buffer's
 * semantics: events stored as JSON, delivered at least once (claimed-but-unacked entries
 * come back after `claimIdleMs`), deleted on ack, fixed-window rate limits and idle-expiring
 * sessions. Everything lives in this process and is lost when it stops.
 */
export class MemoryEventBuffer implements EventBuffer {
  readonly kind = 'memory' as const

  private readonly claimIdleMs: number
  private closed = false
  private readonly counters = new Map<string, Expiring & { count: number }>()
  /** Claimed and unacked, in delivery order (re-inserted on redelivery): id → delivered at. */
  private readonly delivered = new Map<string, number>()
  /** Every unacked entry: id → event JSON. */
  private readonly entries = new Map<string, string>()
  private lastMs = 0
  private readonly logger: BufferLogger | undefined
  private malformed = 0
  private readonly maxEntries: number
  private readonly maxKeys: number
  private readonly onMalformed: ((entry: MalformedEntry) => void) | undefined
  private sequence = 0
  /** Per site, what realtime counts of its recent events, by event id (see `realtimeIndex.ts`). */
  private readonly realtimeIndex = new Map<string, Map<string, RealtimeEntry & { at: number }>>()
  private readonly sessions = new Map<string, Expiring & { id: string }>()
  /** Ids never delivered, oldest first, from `unreadHead` on (acked ones are skipped). */
  private unread: string[] = []
  private unreadHead = 0

  constructor(options: MemoryEventBufferOptions = {}) {
    this.claimIdleMs = options.claimIdleMs ?? 60_000
    this.maxEntries = options.maxEntries ?? 100_000
    this.maxKeys = options.maxKeys ?? 100_000
    this.logger = options.logger
    this.onMalformed = options.onMalformed
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new TypeError('analytics buffer: maxEntries must be a whole number ≥ 1')
    if (!Number.isInteger(this.claimIdleMs) || this.claimIdleMs < 1)
      throw new TypeError('analytics buffer: claimIdleMs must be a whole number ≥ 1')
  }

  get malformedCount(): number {
    return this.malformed
  }

  async ack(ids: string[]): Promise<void> {
    this.assertOpen()
    for (const id of ids) {
      this.entries.delete(id)
      this.delivered.delete(id)
    }
  }

  async append(events: AnalyticsEvent[]): Promise<void> {
    this.assertOpen()
    if (this.entries.size + events.length > this.maxEntries) throw this.fullError()
    for (const event of events) {
      this.add(encodeEvent(event))
      this.index(event)
    }
  }

  async claim(count: number): Promise<ClaimedEvent[]> {
    this.assertOpen()
    assertClaimCount(count)
    const now = Date.now()
    const ids: string[] = []
    // Entries whose consumer did not ack in time, oldest delivery first.
    for (const [id, deliveredAt] of this.delivered) {
      if (ids.length >= count || now - deliveredAt < this.claimIdleMs) break
      ids.push(id)
    }
    while (ids.length < count && this.unreadHead < this.unread.length) {
      const id = this.unread[this.unreadHead++]
      if (id !== undefined && this.entries.has(id)) ids.push(id)
    }
    this.compactUnread()

    const claimed: ClaimedEvent[] = []
    for (const id of ids) {
      const decoded = decodeEntry(this.entries.get(id))
      if (decoded.ok) {
        this.delivered.delete(id)
        this.delivered.set(id, now)
        claimed.push({ event: decoded.event, id })
      } else {
        // Cannot happen for entries this class wrote; handled as the Redis buffer does.
        this.entries.delete(id)
        this.delivered.delete(id)
        this.malformed += 1
        this.logger?.warn(`analytics: removed malformed buffer entry ${id} (${decoded.reason})`)
        this.onMalformed?.({ id, reason: decoded.reason })
      }
    }
    return claimed
  }

  async close(): Promise<void> {
    this.closed = true
    this.entries.clear()
    this.delivered.clear()
    this.counters.clear()
    this.sessions.clear()
    this.realtimeIndex.clear()
    this.unread = []
    this.unreadHead = 0
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    this.assertOpen()
    assertIngestInput(input)
    const { event, rateLimits, session } = input
    const now = Date.now()

    let retryMs = 0
    for (const rule of rateLimits) {
      const counter = this.live(this.counters, rule.key, now)
      if ((counter?.count ?? 0) >= rule.limit) {
        retryMs = Math.max(retryMs, counter ? counter.expiresAt - now : rule.windowSeconds * 1000)
      }
    }
    if (retryMs > 0) return { retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)), status: 'rate_limited' }
    if (this.entries.size >= this.maxEntries) throw this.fullError()

    for (const rule of rateLimits) {
      const counter = this.live(this.counters, rule.key, now)
      if (counter) counter.count += 1
      else this.remember(this.counters, rule.key, { count: 1, expiresAt: now + rule.windowSeconds * 1000 })
    }

    this.index(event)
    if (!session) {
      const entryId = this.add(encodeEvent(event))
      return { entryId, newSession: false, sessionId: event.sessionId, status: 'accepted' }
    }
    const expiresAt = now + session.idleSeconds * 1000
    const current =
      this.live(this.sessions, session.key, now) ?? (session.previousKey ? this.live(this.sessions, session.previousKey, now) : undefined)
    // A session this event opens is named after it, as in the Redis buffer.
    const sessionId = current?.id ?? event.eventId
    // Re-inserted on every event so the Map's order is least recently used first.
    this.remember(this.sessions, session.key, { expiresAt, id: sessionId })
    const entryId = this.add(spliceSessionId(encodeEventWithoutSession(event), sessionId))
    return { entryId, newSession: !current, sessionId, status: 'accepted' }
  }

  async pending(): Promise<number> {
    this.assertOpen()
    return this.entries.size
  }

  async recent(sinceMs: number, max: number): Promise<AnalyticsEvent[]> {
    this.assertOpen()
    const events: AnalyticsEvent[] = []
    // Ids are `<ms>-<seq>` in append order: skip the older ones, decode the rest.
    for (const [id, json] of this.entries) {
      if (events.length >= max) break
      if (Number(id.slice(0, id.indexOf('-'))) < sinceMs) continue
      const decoded = decodeEntry(json)
      if (decoded.ok) events.push(decoded.event)
    }
    return events
  }

  async realtime(siteIds: Array<number | string>, sinceMs: number): Promise<RealtimeEntry[]> {
    this.assertOpen()
    const entries: RealtimeEntry[] = []
    for (const siteId of siteIds) {
      for (const entry of this.realtimeIndex.get(String(siteId))?.values() ?? []) if (entry.at >= sinceMs) entries.push(entry)
    }
    return entries
  }

  /** The event in its site's realtime index (as the Redis buffer's scripts do), trimmed alike. */
  private index(event: AnalyticsEvent): void {
    const cutoff = realtimeCutoff()
    const entry = realtimeMember(event, cutoff)
    if (!entry) return
    const siteId = String(event.siteId)
    const site = this.realtimeIndex.get(siteId) ?? this.realtimeIndex.set(siteId, new Map()).get(siteId)!
    site.set(event.eventId, { ...parseRealtimeMember(`${event.eventId} ${entry.member}`), at: entry.score })
    // Insertion order is about time order: the oldest are at the front.
    for (const [eventId, old] of site) {
      if (old.at >= cutoff && site.size <= REALTIME_MAX_PER_SITE) break
      site.delete(eventId)
    }
    if (site.size === 0) this.realtimeIndex.delete(siteId)
  }

  private add(json: string): string {
    const now = Date.now()
    // Stream-like ids, increasing even if the clock steps back.
    if (now > this.lastMs) {
      this.lastMs = now
      this.sequence = 0
    } else {
      this.sequence += 1
    }
    const id = `${this.lastMs}-${this.sequence}`
    this.entries.set(id, json)
    this.unread.push(id)
    return id
  }

  private assertOpen(): void {
    if (this.closed) throw new BufferClosedError()
  }

  private compactUnread(): void {
    if (this.unreadHead > 1_024 && this.unreadHead * 2 > this.unread.length) {
      this.unread = this.unread.slice(this.unreadHead)
      this.unreadHead = 0
    }
  }

  private fullError(): BufferFullError {
    return new BufferFullError(
      `analytics: the in-process buffer holds its maximum of ${this.maxEntries} unacknowledged events (maxEntries). ` +
        'Is the aggregation running? Production setups should use Redis (REDIS_URL).',
    )
  }

  private live<T extends Expiring>(map: Map<string, T>, key: string, now: number): T | undefined {
    const value = map.get(key)
    if (value && value.expiresAt <= now) {
      map.delete(key)
      return undefined
    }
    return value
  }

  private remember<T extends Expiring>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key)
    map.set(key, value)
    if (map.size <= this.maxKeys) return
    const now = Date.now()
    for (const [staleKey, stale] of map) if (stale.expiresAt <= now) map.delete(staleKey)
    // Then the least recently used live ones, down to 90 %, so full sweeps stay rare.
    const target = Math.floor(this.maxKeys * 0.9)
    for (const staleKey of map.keys()) {
      if (map.size <= target) break
      map.delete(staleKey)
    }
  }
}

export function createMemoryEventBuffer(options: MemoryEventBufferOptions = {}): MemoryEventBuffer {
  return new MemoryEventBuffer(options)
}
