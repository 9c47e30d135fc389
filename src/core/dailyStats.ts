/**
 * The product's metric definitions: how one site's raw events of one local day become its
 * rows in AnalyticsDailyStats. The SQL of the aggregation (`src/store/recomputeDailyStats.ts`)
 * and the reference implementation the tests check it against
 * (`src/core/dailyStatsReference.ts`) both follow this comment; change all three together.
 *
 * Scope. A (site, day) is recomputed from that site's events whose timestamp falls in the
 * site's local day [day 00:00, next day 00:00) of its time zone (23 or 25 hours when clocks
 * change; `timeZone.ts`). Everything below is counted within that scope: a
 * visit that crosses midnight is a visit on both days, each day seeing its own part.
 *
 * Normalisation. An empty string counts as absent (null) for every text field. A
 * "session" is a non-empty `sessionId`; a "visitor" a non-empty `visitorHash`. Events are
 * ordered by (timestamp, eventId), eventId compared by code unit (Postgres `COLLATE "C"`),
 * so "first" and "last" are well defined even for equal timestamps.
 *
 * Sessions. For each session σ of the day:
 * - its attributes (visitor, source, UTM tags, country, browser, OS, device) are those of
 *   its first event;
 * - pageviews(σ) = its `pageview` events; entry(σ) / exit(σ) = the path of its first /
 *   last pageview (none without a pageview or a path);
 * - bounce(σ) = exactly one event in σ and it is a pageview (one pageview, no other event
 *   of the browser);
 * - duration(σ) = last event time − first event time, in seconds (millisecond precision),
 *   plus tail(σ) (see Engagement below).
 *
 * `total` row (key ''):
 * - pageviews = `pageview` events; events = all events;
 * - visitors = distinct visitor hashes over all events that carry one;
 * - visits = sessions; bounces = Σ bounce(σ); totalDuration = Σ duration(σ);
 * - leads / forms / exports / automationRuns = `lead.created` / `form.submit` /
 *   `export.completed` / `automation.run` events;
 * - aiTokens = Σ value of `ai.usage` events (a missing value counts 0; each value taken
 *   within [0, MAX_EVENT_VALUE], the range tracking admits, so events stored before that
 *   bound count as they would now: `summedValue`).
 * Server-side events (no visitor hash, no session) count in `events` and the typed totals,
 * never in visitors or visits.
 *
 * Session dimensions (`SESSION_DIMENSIONS`: source, UTM source … content, country, browser,
 * OS, device, entry page): each session falls under one key, its first event's value (entry
 * page: entry(σ)); per key: visitors (distinct session visitors), visits, bounces,
 * totalDuration, pageviews of those sessions. Sessions without a value are skipped, except
 * for `source` where they count under the key '' (Direct / None).
 *
 * `page`: per path of pageviews: pageviews, visitors (distinct hashes), visits (distinct
 * sessions). `exitPage`: per exit(σ): visits (= exits), visitors (distinct session
 * visitors). `event`: per custom event name (a type that is not built in, so never
 * `pageview`): events, visitors (distinct hashes).
 *
 * Engagement. `engagement` events (the tracker's report for a page being left: engaged
 * seconds in `value`, the deepest scroll position in percent as the prop `scrollDepth`) are
 * not counted events: everything above reads the other events only, so they never count as
 * events, pageviews, visitors or visits, never make a visit a non-bounce and never start a
 * session of their own. They add, for the engagement events of a session σ on path P:
 * - `page` row of P: scrollDepthSum = Σ over sessions of the maximum scroll depth on P,
 *   scrollVisits = sessions with a scroll depth on P; engagedMs = Σ their values on P in whole milliseconds,
 *   engagedVisits = sessions whose engaged seconds on P are above 0. So time on page =
 *   engagedMs / engagedVisits / 1000 s and scroll depth = scrollDepthSum / scrollVisits (the
 *   average per visit of the maximum reached), as Plausible defines them.
 * - `total` row: the same four sums over every (page, session) pair of the day.
 * - duration(σ) above also adds tail(σ): the engaged seconds of σ's engagement events on
 *   exit(σ) at or after its last pageview (the last page's own reading time), so a one-page
 *   visit lasts as long as it was read, not 0 s.
 * Engagement events without a session or a path are ignored.
 *
 * Every metric a row does not define is 0. A row's tenant is that of the day's last event.
 * A (site, day) with no raw events keeps whatever rows it has (raw events past their
 * retention must not wipe a year of statistics).
 */
import type { AnalyticsEvent } from './event.js'
import type { StatsDimension, StatsMetric } from './dimensions.js'

import { BUILT_IN_EVENT_TYPES } from './eventTypes.js'
import { DAY_MS } from './time.js'
import { localDayBounds, localDayMemo, UTC } from './timeZone.js'

/** The dimensions whose key is a property of the session (its first event, or its entry page). */
export const SESSION_DIMENSIONS = [
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'country',
  'browser',
  'os',
  'device',
  'entryPage',
] as const satisfies readonly StatsDimension[]

export type SessionDimension = (typeof SESSION_DIMENSIONS)[number]

/** The event field a session dimension reads from the session's first event (entryPage: see above). */
export const SESSION_DIMENSION_FIELDS = {
  browser: 'browser',
  country: 'country',
  device: 'device',
  os: 'os',
  source: 'source',
  utmCampaign: 'utmCampaign',
  utmContent: 'utmContent',
  utmMedium: 'utmMedium',
  utmSource: 'utmSource',
  utmTerm: 'utmTerm',
} as const satisfies Record<Exclude<SessionDimension, 'entryPage'>, keyof AnalyticsEvent>

/** The only dimension whose empty value is a row of its own (key '' = Direct / None). */
export const EMPTY_KEY_DIMENSIONS: readonly StatsDimension[] = ['source']

/** Event types counted into a total metric, one per event. */
export const COUNTED_EVENT_TYPES = {
  'automation.run': 'automationRuns',
  'export.completed': 'exports',
  'form.submit': 'forms',
  'lead.created': 'leads',
} as const satisfies Record<string, StatsMetric>

/** Event types whose `value` is summed into a total metric. */
export const SUMMED_EVENT_TYPES = {
  'ai.usage': 'aiTokens',
} as const satisfies Record<string, StatsMetric>

/**
 * The largest magnitude of one event's value (`v` on the wire, `value` of a server event): one
 * AI call's tokens, an order's amount. With the per-site rate limit it bounds every sum: a day
 * of a site at the default limit holds at most 1.44e17, far inside what Postgres' numeric
 * columns store and float8 reads hold.
 */
export const MAX_EVENT_VALUE = 1_000_000_000

/** An event's value as a summed metric counts it (`aiTokens`): missing = 0, within [0, MAX_EVENT_VALUE]. */
export const summedValue = (value: null | number | undefined): number => Math.min(Math.max(value ?? 0, 0), MAX_EVENT_VALUE)

/**
 * The largest value a stats counter is read as. Counters the aggregation writes never come
 * near it (see `MAX_EVENT_VALUE`); rows written by hand, or before values were bounded, are
 * read clamped to [0, this], so one site's row can never overflow a sum over many sites.
 */
export const MAX_STORED_COUNTER = 1e15

export const PAGEVIEW = 'pageview' satisfies (typeof BUILT_IN_EVENT_TYPES)[number]

/** The prop of an `engagement` event that holds its scroll depth (percent, 0–100). */
export const SCROLL_DEPTH_PROP = 'scrollDepth'

export { ENGAGEMENT } from './eventTypes.js'

/** Types that are not custom events (never a key of the `event` dimension). */
export const NON_CUSTOM_EVENT_TYPES: readonly string[] = BUILT_IN_EVENT_TYPES

/** One row of AnalyticsDailyStats, as the aggregation computes it. */
export type DailyStatsRow = {
  /** The site's local day, `YYYY-MM-DD`. */
  day: string
  dimension: StatsDimension
  key: string
  siteId: string
  tenantId: null | string
} & Record<StatsMetric, number>

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Whether `day` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(day: string): boolean {
  if (!DAY.test(day)) return false
  const start = Date.parse(`${day}T00:00:00.000Z`)
  return !Number.isNaN(start) && new Date(start).toISOString().slice(0, 10) === day
}

/**
 * The instants a local day of a time zone covers, [start, end): 24 hours, or 23/25 on the
 * days clocks change (`timeZone.ts`).
 */
export function dayBounds(day: string, timeZone: string = UTC): { end: Date; start: Date } {
  if (!isDay(day)) throw new TypeError(`analytics: not a day (YYYY-MM-DD): ${day}`)
  if (timeZone === UTC) {
    const start = Date.parse(`${day}T00:00:00.000Z`)
    return { end: new Date(start + DAY_MS), start: new Date(start) }
  }
  return localDayBounds(day, timeZone)
}

/**
 * An event timestamp as Postgres stores it (`timestamp(3)`: whole milliseconds), or null
 * when it is not a date. Inserting this form, and deriving the day from it, keeps the day an
 * event is marked under and the day Postgres files it under the same.
 */
export function normalizeTimestamp(timestamp: string): null | string {
  // The server writes `toISOString()`: check that form by hand (a real calendar date), which
  // is several times cheaper than parsing and formatting a Date for every event of a batch.
  const canonical = CANONICAL_TIMESTAMP.exec(timestamp)
  if (canonical) return Number(canonical[3]) <= daysInMonth(Number(canonical[1]), Number(canonical[2])) ? timestamp : null
  const ms = Date.parse(timestamp)
  if (Number.isNaN(ms)) return null
  const iso = new Date(ms).toISOString()
  // Years beyond 0000–9999 are written ±YYYYYY, which is not a day Postgres would agree on.
  return iso.length === 24 ? iso : null
}

const CANONICAL_TIMESTAMP = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** The UTC day (`YYYY-MM-DD`) of an event timestamp, or null when it is not a date. */
export function dayOfTimestamp(timestamp: string): null | string {
  return normalizeTimestamp(timestamp)?.slice(0, 10) ?? null
}

/** A (site, day) whose daily statistics are to be recomputed. */
export interface SiteDay {
  day: string
  siteId: number | string
}

/** `siteId|day`: the site id may contain anything but the day never has a `|`. */
export const siteDayKey = ({ day, siteId }: SiteDay): string => `${String(siteId)}|${day}`

export function parseSiteDayKey(key: string): null | { day: string; siteId: string } {
  const at = key.lastIndexOf('|')
  if (at <= 0) return null
  const day = key.slice(at + 1)
  return isDay(day) ? { day, siteId: key.slice(0, at) } : null
}

/** A site's IANA time zone (its effective settings). */
export type TimeZoneOf = (siteId: number | string) => string

/**
 * The distinct (site, local day) pairs of some events, each in its site's zone (UTC without
 * `timeZoneOf`); events without a valid timestamp are left out.
 */
export function siteDaysOf(events: Iterable<Pick<AnalyticsEvent, 'siteId' | 'timestamp'>>, timeZoneOf?: TimeZoneOf): SiteDay[] {
  const seen = new Map<string, SiteDay>()
  const localDay = localDayMemo()
  for (const event of events) {
    const timeZone = timeZoneOf?.(event.siteId) ?? UTC
    const timestamp = timeZone === UTC ? null : normalizeTimestamp(event.timestamp)
    const day = timeZone === UTC ? dayOfTimestamp(event.timestamp) : timestamp && localDay(Date.parse(timestamp), timeZone)
    if (!day) continue
    const pair = { day, siteId: event.siteId }
    const key = siteDayKey(pair)
    if (!seen.has(key)) seen.set(key, pair)
  }
  return [...seen.values()]
}
