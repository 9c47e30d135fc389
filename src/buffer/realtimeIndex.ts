/**
 * The realtime index: per site, the events of the last 30 minutes that realtime counts (a
 * visitor or a pageview), written by the buffer as it accepts them. Realtime reads the
 * asked sites' entries and nothing else, so its cost is that of those sites' last 30
 * minutes, whatever the backlog of the stream.
 *
 * In Redis one sorted set per site, member `<id> <visitor or -> <1|0 pageview> <path>` — the
 * id is the stream entry id for a tracked event (appended once; the script has it at no
 * cost) and the event id for an appended one (a retried append is indexed once) —
 * scored by the event's time (ms); trimmed to the window and to `REALTIME_MAX_PER_SITE`
 * newest entries on every write, and expiring when the site goes quiet.
 */
import type { AnalyticsEvent } from '../core/event.js'

import { MAX_FUTURE_SKEW_MS } from '../core/enrich.js'

export const REALTIME_WINDOW_MINUTES = 30
export const REALTIME_WINDOW_MS = REALTIME_WINDOW_MINUTES * 60_000
/**
 * Entries kept per site (the newest): a bound on what one realtime read costs. A site with
 * more events than this in 30 minutes has its realtime figures counted over the newest ones.
 */
export const REALTIME_MAX_PER_SITE = 100_000
/** An entry outlives the window by the future skew an event's time may have. */
export const REALTIME_TTL_MS = REALTIME_WINDOW_MS + MAX_FUTURE_SKEW_MS

/** What realtime counts of one event. */
export interface RealtimeEntry {
  pageview: boolean
  path: null | string
  visitor: null | string
}

/** The oldest event time (ms) the index keeps now. */
export const realtimeCutoff = (now = Date.now()): number => now - REALTIME_WINDOW_MS

/**
 * An event's entry in its site's index, or null when realtime would not count it: not a
 * pageview and no visitor, or older than `cutoffMs` (a backfill, a replay of old events).
 */
export function realtimeMember(event: AnalyticsEvent, cutoffMs: number): null | { member: string; score: number } {
  const pageview = event.type === 'pageview'
  if (!pageview && !event.visitorHash) return null
  const score = Date.parse(event.timestamp)
  if (!(score >= cutoffMs)) return null
  // Without its unique head: the buffer puts the entry id (ingest) or the event id (append) first.
  return { member: `${event.visitorHash || '-'} ${pageview ? 1 : 0} ${event.path ?? ''}`, score }
}

/** A stored member (`<unique id> ` + what `realtimeMember` made) read back; the path is last: it may hold spaces. */
export function parseRealtimeMember(member: string): RealtimeEntry {
  const first = member.indexOf(' ')
  const second = member.indexOf(' ', first + 1)
  const third = member.indexOf(' ', second + 1)
  const visitor = member.slice(first + 1, second)
  const path = third < 0 ? '' : member.slice(third + 1)
  return { pageview: member.slice(second + 1, third < 0 ? undefined : third) === '1', path: path || null, visitor: visitor === '-' ? null : visitor }
}
