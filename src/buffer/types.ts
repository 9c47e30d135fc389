import type { AnalyticsEvent } from '../core/event.js'
import type { RealtimeEntry } from './realtimeIndex.js'

/**
 * A fixed-window counter: at most `limit` accepted events per `windowSeconds`, the window
 * starting at the first event that creates the counter. `key` is a logical name chosen by
 * the caller (e.g. `site:42`, `client:42:<hash>`); the buffer namespaces it.
 */
export interface RateLimitRule {
  key: string
  /** Whole number ≥ 0; 0 refuses everything. */
  limit: number
  /** Whole number ≥ 1. */
  windowSeconds: number
}

/**
 * The visitor's session: a random id kept under `key` (namespaced by the buffer) whose
 * idle expiry is refreshed by every accepted event.
 */
export interface SessionRule {
  /** Whole number ≥ 1, e.g. 1800 for the usual 30-minute session. */
  idleSeconds: number
  key: string
  /**
   * The key the same visitor's session had under yesterday's salt, shortly after midnight
   * UTC: when there is no session under `key` but one under `previousKey`, the visit goes
   * on under its id instead of starting anew.
   */
  previousKey?: string
}

export interface IngestInput {
  event: AnalyticsEvent
  /** Every rule is checked before any is counted: a refused request counts against none. */
  rateLimits: RateLimitRule[]
  /** Without it the event is stored with the `sessionId` it carries. */
  session?: SessionRule
}

export type IngestResult =
  | {
      /** The stream entry id (`<ms>-<seq>`). */
      entryId: string
      /** Whether this event started the session (no live session under the key). */
      newSession: boolean
      /**
       * The session id stored in the entry: the visitor's current or new one, or, without a
       * `session` rule, the event's own `sessionId`.
       */
      sessionId: null | string
      status: 'accepted'
    }
  | {
      /** Seconds until the first exceeded window ends (≥ 1): the `Retry-After` header. */
      retryAfterSeconds: number
      status: 'rate_limited'
    }

export interface ClaimedEvent {
  /** The entry id to pass to `ack`. */
  id: string
  event: AnalyticsEvent
}

/** A stream entry that could not be decoded into an event. */
export interface MalformedEntry {
  id: string
  /** Short reason, e.g. `invalid JSON`, `missing eventId`. */
  reason: string
}

/**
 * The buffer between the ingestion endpoint and the aggregation job.
 *
 * Delivery is at least once: an entry returned by `claim` and never acknowledged (the
 * consumer crashed, the run failed) is returned again by a later `claim` once it has been
 * idle for `claimIdleMs`. The consumer makes its writes idempotent (the event id) and acks
 * only after they are durable.
 *
 * Malformed entries (not JSON, or JSON that is not an event) never reach the consumer and
 * never wedge it: `claim` removes them from the buffer as it meets them (the Redis buffer
 * copies them to a small capped dead-letter stream first), counts them in
 * `malformedCount`, calls the `onMalformed` option, and logs a warning with the entry id.
 *
 * Failures reject with a `BufferError` (`unavailable`, `full`, `closed`); the ingestion
 * endpoint answers 503 for any of them.
 */
export interface EventBuffer {
  /**
   * Acknowledge entries returned by `claim` and delete them, so the buffer holds only
   * unacknowledged entries and memory stays bounded. Unknown ids are ignored.
   */
  ack(ids: string[]): Promise<void>
  /**
   * Append server-side events (no rate limit, no session), in order, one round trip.
   * All or nothing per 500 events (a larger array is sent as several atomic chunks).
   */
  append(events: AnalyticsEvent[]): Promise<void>
  /**
   * Up to `count` entries: first entries delivered earlier and unacknowledged for at least
   * `claimIdleMs` (their consumer died), then entries never delivered, oldest first. Two
   * concurrent claims never receive the same never-delivered entry. Fewer than `count`
   * means no never-delivered entry is left (with a pending list of many thousands, idle
   * entries of dead consumers may take a few calls to find: XAUTOCLAIM scans in steps).
   */
  claim(count: number): Promise<ClaimedEvent[]>
  /** Stops the buffer; a Redis client the buffer created itself is disconnected. */
  close(): Promise<void>
  /**
   * The hot path of /track, in one Redis round trip: check-and-count every rate limit,
   * find or create the session, append the event carrying the final session id. A refused
   * request appends nothing, counts nothing and creates no session.
   */
  ingest(input: IngestInput): Promise<IngestResult>
  readonly kind: 'memory' | 'redis'
  /** Malformed entries this instance removed in `claim` since it was created. */
  readonly malformedCount: number
  /**
   * Entries appended and not yet acknowledged: never delivered, plus delivered and not yet
   * acked (including those held by a dead consumer). Acked entries are deleted, so this is
   * the stream length (`XLEN`). Malformed entries count until a `claim` removes them. It
   * feeds the `analytics_queue_pending` gauge, and every instance reads the same number
   * from Redis.
   */
  pending(): Promise<number>
  /**
   * What realtime counts of the given sites' events whose time is at or after `sinceMs`
   * (at most the last 30 minutes), aggregated or not: read from the per-site realtime
   * index written as events are accepted, so the cost is those sites' recent traffic, never
   * the backlog (see `realtimeIndex.ts`).
   */
  realtime(siteIds: Array<number | string>, sinceMs: number): Promise<RealtimeEntry[]>
  /**
   * Events appended at or after `sinceMs` (epoch ms, the buffer's clock) and not yet
   * acknowledged, oldest first, at most `max`; nothing is claimed. For the hourly series, whose
   * current hour counts what the aggregation has not stored yet (visits and conversions need
   * the whole event, which the realtime index does not keep). Malformed entries are skipped.
   */
  recent(sinceMs: number, max: number): Promise<AnalyticsEvent[]>
}

/** Minimal logger; Payload's `payload.logger` (pino) fits. */
export interface BufferLogger {
  info: (message: string) => void
  warn: (message: string) => void
}
