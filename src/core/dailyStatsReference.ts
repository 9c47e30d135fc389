/**
 * A plain TypeScript reading of the metric definitions in `dailyStats.ts`: the daily-stats
 * rows of a list of raw events, computed one event at a time. Used only by the tests, as
 * the ground truth the SQL of the aggregation must reproduce; it favours being obviously
 * right over being fast.
 */
import type { DailyStatsRow } from './dailyStats.js'
import type { StatsDimension, StatsMetric } from './dimensions.js'
import type { AnalyticsEvent } from './event.js'

import {
  COUNTED_EVENT_TYPES,
  dayOfTimestamp,
  EMPTY_KEY_DIMENSIONS,
  ENGAGEMENT,
  NON_CUSTOM_EVENT_TYPES,
  PAGEVIEW,
  SCROLL_DEPTH_PROP,
  SESSION_DIMENSION_FIELDS,
  SESSION_DIMENSIONS,
  SUMMED_EVENT_TYPES,
  summedValue,
} from './dailyStats.js'
import { ENGAGEMENT_METRICS, STATS_DIMENSIONS, STATS_METRICS } from './dimensions.js'

interface Ev {
  eventId: string
  ms: number
  raw: AnalyticsEvent
  session: null | string
  type: string
  visitor: null | string
}

const present = (value: unknown): null | string =>
  value === null || value === undefined || value === '' ? null : String(value)

/** (timestamp, eventId by code unit): the order "first" and "last" refer to. */
const byTime = (a: Ev, b: Ev) => a.ms - b.ms || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)

const zeroMetrics = (): Record<StatsMetric, number> =>
  Object.fromEntries(STATS_METRICS.map((metric) => [metric, 0])) as Record<StatsMetric, number>

class Bucket {
  readonly metrics = zeroMetrics()
  readonly sessions = new Set<string>()
  readonly visitors = new Set<string>()
}

/** The rows of every (site, day) the events touch, sorted by site, day, dimension order and key. */
export function referenceDailyStats(events: readonly AnalyticsEvent[]): DailyStatsRow[] {
  const groups = new Map<string, Ev[]>()
  for (const raw of events) {
    const day = dayOfTimestamp(raw.timestamp)
    if (!day) continue
    const groupKey = `${String(raw.siteId)}|${day}`
    const list = groups.get(groupKey) ?? []
    list.push({
      eventId: raw.eventId,
      ms: Date.parse(raw.timestamp),
      raw,
      session: present(raw.sessionId),
      type: raw.type,
      visitor: present(raw.visitorHash),
    })
    groups.set(groupKey, list)
  }

  const rows: DailyStatsRow[] = []
  for (const [groupKey, list] of groups) {
    const at = groupKey.lastIndexOf('|')
    rows.push(...siteDayRows(groupKey.slice(0, at), groupKey.slice(at + 1), list))
  }
  const dimensionOrder = (dimension: StatsDimension) => STATS_DIMENSIONS.indexOf(dimension)
  return rows.sort(
    (a, b) =>
      a.siteId.localeCompare(b.siteId, 'en', { numeric: true }) ||
      a.day.localeCompare(b.day) ||
      dimensionOrder(a.dimension) - dimensionOrder(b.dimension) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  )
}

function siteDayRows(siteId: string, day: string, unsorted: Ev[]): DailyStatsRow[] {
  const sorted = [...unsorted].sort(byTime)
  const events = sorted.filter((event) => event.type !== ENGAGEMENT)
  const engagements = sorted.filter((event) => event.type === ENGAGEMENT && event.session && present(event.raw.path))
  const buckets = new Map<string, Bucket>()
  const bucket = (dimension: StatsDimension, key: string) => {
    const id = `${dimension}\u0000${key}`
    let found = buckets.get(id)
    if (!found) buckets.set(id, (found = new Bucket()))
    return found
  }

  // Engagement per (page, session): the deepest scroll and the engaged milliseconds.
  const perPageSession = new Map<string, { depth: null | number; path: string; ms: number }>()
  for (const event of engagements) {
    const path = present(event.raw.path)!
    const id = `${path}\u0000${event.session}`
    const entry = perPageSession.get(id) ?? { depth: null, path, ms: 0 }
    const depth = event.raw.props?.[SCROLL_DEPTH_PROP]
    if (typeof depth === 'number') entry.depth = Math.max(entry.depth ?? depth, depth)
    entry.ms += Math.round((event.raw.value ?? 0) * 1000) // whole milliseconds, as the tracker measures them
    perPageSession.set(id, entry)
  }
  const engagementTotal = zeroMetrics()
  for (const { depth, path, ms } of perPageSession.values()) {
    for (const metrics of [bucket('page', path).metrics, engagementTotal]) {
      if (depth !== null) {
        metrics.scrollDepthSum += depth
        metrics.scrollVisits++
      }
      metrics.engagedMs += ms
      if (ms > 0) metrics.engagedVisits++
    }
  }

  // The total row and the event-level dimensions, one event at a time (none on a day
  // without counted events).
  const total = events.length > 0 ? bucket('total', '') : new Bucket()
  for (const metric of ENGAGEMENT_METRICS) total.metrics[metric] = engagementTotal[metric]
  const counted = COUNTED_EVENT_TYPES as Record<string, StatsMetric>
  const summed = SUMMED_EVENT_TYPES as Record<string, StatsMetric>
  for (const event of events) {
    total.metrics.events++
    if (event.visitor) total.visitors.add(event.visitor)
    if (event.session) total.sessions.add(event.session)
    if (event.type === PAGEVIEW) {
      total.metrics.pageviews++
      const path = present(event.raw.path)
      if (path) {
        const page = bucket('page', path)
        page.metrics.pageviews++
        if (event.visitor) page.visitors.add(event.visitor)
        if (event.session) page.sessions.add(event.session)
      }
    }
    const countedMetric = counted[event.type]
    if (countedMetric) total.metrics[countedMetric]++
    const summedMetric = summed[event.type]
    if (summedMetric) total.metrics[summedMetric] += summedValue(event.raw.value)
    if (!NON_CUSTOM_EVENT_TYPES.includes(event.type)) {
      const custom = bucket('event', event.type)
      custom.metrics.events++
      if (event.visitor) custom.visitors.add(event.visitor)
    }
  }

  // Sessions: their events in order.
  const sessions = new Map<string, Ev[]>()
  for (const event of events) {
    if (!event.session) continue
    const list = sessions.get(event.session) ?? []
    list.push(event)
    sessions.set(event.session, list)
  }
  let durationMs = 0
  for (const list of sessions.values()) {
    const first = list[0]!
    const last = list[list.length - 1]!
    const pageviews = list.filter((event) => event.type === PAGEVIEW)
    const bounce = list.length === 1 && first.type === PAGEVIEW ? 1 : 0
    // The last page's reading time: its engagement at or after the visit's last pageview.
    const lastPageview = pageviews[pageviews.length - 1]
    const tailMs = lastPageview
      ? engagements
          .filter((event) => event.session === first.session && event.ms >= lastPageview.ms && present(event.raw.path) === present(lastPageview.raw.path))
          .reduce((sum, event) => sum + Math.round((event.raw.value ?? 0) * 1000), 0)
      : 0
    const sessionMs = last.ms - first.ms + tailMs
    durationMs += sessionMs
    total.metrics.bounces += bounce

    for (const dimension of SESSION_DIMENSIONS) {
      const value =
        dimension === 'entryPage' ? present(pageviews[0]?.raw.path) : present(first.raw[SESSION_DIMENSION_FIELDS[dimension]])
      const key = value ?? (EMPTY_KEY_DIMENSIONS.includes(dimension) ? '' : null)
      if (key === null) continue
      const b = bucket(dimension, key)
      b.sessions.add(first.session!)
      if (first.visitor) b.visitors.add(first.visitor)
      b.metrics.bounces += bounce
      b.metrics.pageviews += pageviews.length
      b.metrics.totalDuration += sessionMs // milliseconds until the end, then seconds
    }
    const exit = present(pageviews[pageviews.length - 1]?.raw.path)
    if (exit) {
      const b = bucket('exitPage', exit)
      b.sessions.add(first.session!)
      if (first.visitor) b.visitors.add(first.visitor)
    }
  }
  total.metrics.totalDuration = durationMs

  const lastEvent = events[events.length - 1]
  const tenantId = present(lastEvent?.raw.tenantId)
  const rows: DailyStatsRow[] = []
  for (const [id, b] of buckets) {
    const [dimension, key] = id.split('\u0000') as [StatsDimension, string]
    const metrics = { ...b.metrics }
    // Distinct counts come from the sets; which metrics a dimension defines is in dailyStats.ts.
    metrics.visitors = b.visitors.size
    if (dimension !== 'event') metrics.visits = b.sessions.size
    metrics.totalDuration = metrics.totalDuration / 1000
    rows.push({ day, dimension, key, siteId, tenantId, ...metrics })
  }
  return rows
}
