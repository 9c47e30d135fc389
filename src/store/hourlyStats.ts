/**
 * Hourly figures (`interval=hour`, ranges of up to 7 days): read from the raw events plus the
 * events still in the buffer, so the current hour is live. The hours are given by the caller
 * (`localHours` in `core/timeZone.ts`: local clock hours, DST included); Postgres only files
 * each event under the hour whose start it follows (`width_bucket`).
 *
 * Per hour: pageviews, events and the typed counters of the events in it; visitors = distinct
 * visitor hashes with an event in it; visits, bounces and durations of the sessions whose
 * first event of the local day falls in it (a session is scoped to the local day as in the
 * daily rows, `core/dailyStats.ts`), so a day's hours add up to its daily row, visitors
 * excepted (someone active in two hours is one visitor of the day).
 */
import type { Payload } from 'payload'

import type { AnalyticsEvent } from '../core/event.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { SiteKey, TotalCounters } from './statsQueries.js'

import { COUNTED_EVENT_TYPES, ENGAGEMENT, PAGEVIEW, SUMMED_EVENT_TYPES } from '../core/dailyStats.js'
import { arrayLiteral } from './arrayLiteral.js'
import { collectionTable, drizzleOf, sql } from './db.js'

export interface HourlyRequest {
  /** Each site's conversion event types. */
  conversionTypes: ReadonlyMap<string, readonly string[]>
  /** The instant after the last hour. */
  end: Date
  /** The first instant of every hour, in order. */
  hourStarts: readonly Date[]
  /** For each hour, the index of its local day (sessions are scoped to a day). */
  hourDays: readonly number[]
  siteIds: readonly SiteKey[]
  /** Events of the buffer (not yet stored, or stored meanwhile: counted once). */
  buffered: readonly AnalyticsEvent[]
}

export type HourCounters = TotalCounters & { conversions: number }

const a = (alias: string) => sql.identifier(alias)

const ZERO_ENGAGEMENT = { engagedMs: 0, engagedVisits: 0, scrollDepthSum: 0, scrollVisits: 0 }

/** Per hour (index into `hourStarts`), the counters; hours without events are absent. */
export async function hourlyTotals(payload: Payload, cfg: SanitizedAnalyticsConfig, request: HourlyRequest): Promise<Map<number, HourCounters>> {
  const result = new Map<number, HourCounters>()
  if (request.siteIds.length === 0 || request.hourStarts.length === 0) return result
  const e = collectionTable(payload, cfg.slugs.events)
  const start = request.hourStarts[0]!
  const sites = new Set(request.siteIds.map(String))
  const buffered = request.buffered
    .filter((event) => sites.has(String(event.siteId)) && event.timestamp >= start.toISOString() && event.timestamp < request.end.toISOString())
    .map((event) => ({
      eid: event.eventId,
      session: event.sessionId || null,
      site: String(event.siteId),
      ts: event.timestamp,
      type: event.type,
      value: event.value,
      visitor: event.visitorHash || null,
    }))
  const conversions = [...request.conversionTypes].flatMap(([site, types]) => types.map((type) => `${site}|${type}`))
  const inRange = sql`${e.id('timestamp')} >= ${start.toISOString()}::timestamptz AND ${e.id('timestamp')} < ${request.end.toISOString()}::timestamptz`
  const typed = [
    ...Object.entries(COUNTED_EVENT_TYPES).map(([type, metric]) => sql`count(*) FILTER (WHERE ${a('type')} = ${type})::float8 AS ${a(metric)}`),
    ...Object.entries(SUMMED_EVENT_TYPES).map(([type, metric]) => sql`COALESCE(sum(${a('value')}) FILTER (WHERE ${a('type')} = ${type}), 0)::float8 AS ${a(metric)}`),
  ]
  // The site column is compared as it is (no cast), so the (site, timestamp) index serves the range.
  const query = sql`
    WITH buf AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(buffered)}::jsonb)
        AS x(${a('eid')} text, ${a('site')} text, ${a('type')} text, ${a('visitor')} text, ${a('session')} text, ${a('ts')} timestamptz, ${a('value')} float8)
    ),
    ev AS (
      SELECT ${e.id('site')}::text AS ${a('site')}, ${e.id('type')} AS ${a('type')}, NULLIF(${e.id('visitorHash')}, '') AS ${a('visitor')},
        NULLIF(${e.id('sessionId')}, '') AS ${a('session')}, ${e.id('timestamp')} AS ${a('ts')}, ${e.id('value')}::float8 AS ${a('value')}
      FROM ${e.ref}
      WHERE ${e.id('site')} IN (${sql.join(
        [...sites].map((id) => sql`${id}`),
        sql`, `,
      )}) AND ${inRange}
      UNION ALL
      SELECT b.${a('site')}, b.${a('type')}, b.${a('visitor')}, b.${a('session')}, b.${a('ts')}, b.${a('value')}
      FROM buf b WHERE NOT EXISTS (SELECT 1 FROM ${e.ref} s WHERE s.${e.id('eventId')} = b.${a('eid')})
    ),
    hv AS (
      SELECT *, width_bucket(${a('ts')}, ${arrayLiteral(request.hourStarts.map((hour) => hour.toISOString()))}::timestamptz[]) AS ${a('hour')} FROM ev
      -- Engagement reports are no events, pageviews or visits (see core/dailyStats.ts).
      WHERE ${a('type')} <> ${ENGAGEMENT}
    ),
    sess AS (
      SELECT min(${a('hour')}) AS ${a('hour')}, count(*) AS ${a('n')}, count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW}) AS ${a('pageviews')},
        EXTRACT(EPOCH FROM max(${a('ts')}) - min(${a('ts')}))::float8 AS ${a('duration')}
      FROM hv WHERE ${a('session')} IS NOT NULL
      GROUP BY ${a('site')}, ${a('session')}, (${arrayLiteral(request.hourDays)}::int[])[${a('hour')}]
    ),
    per_session AS (
      SELECT ${a('hour')}, count(*)::float8 AS ${a('visits')},
        count(*) FILTER (WHERE ${a('n')} = 1 AND ${a('pageviews')} = 1)::float8 AS ${a('bounces')},
        sum(${a('duration')}) AS ${a('total_duration')}
      FROM sess GROUP BY ${a('hour')}
    ),
    per_event AS (
      SELECT ${a('hour')}, count(*)::float8 AS ${a('events')}, count(*) FILTER (WHERE ${a('type')} = ${PAGEVIEW})::float8 AS ${a('pageviews')},
        count(DISTINCT ${a('site')} || '|' || ${a('visitor')})::float8 AS ${a('visitors')},
        count(*) FILTER (WHERE ${a('site')} || '|' || ${a('type')} = ANY(${arrayLiteral(conversions)}::text[]))::float8 AS ${a('conversions')},
        ${sql.join(typed, sql`, `)}
      FROM hv GROUP BY ${a('hour')}
    )
    SELECT p.*, COALESCE(s.${a('visits')}, 0) AS ${a('visits')}, COALESCE(s.${a('bounces')}, 0) AS ${a('bounces')},
      COALESCE(s.${a('total_duration')}, 0) AS ${a('totalDuration')}
    FROM per_event p LEFT JOIN per_session s ON s.${a('hour')} = p.${a('hour')}`
  const { rows } = await drizzleOf(payload).execute(query)
  for (const row of rows as Array<Record<string, number | string>>) {
    const hour = Number(row.hour) - 1
    if (hour < 0) continue
    result.set(hour, {
      // Hours leave engagement out (time on page and scroll depth are per day and page), so a
      // visit's duration there is first to last event, without its last page's engaged time.
      ...ZERO_ENGAGEMENT,
      aiTokens: Number(row.aiTokens),
      automationRuns: Number(row.automationRuns),
      bounces: Number(row.bounces),
      conversions: Number(row.conversions),
      events: Number(row.events),
      exports: Number(row.exports),
      forms: Number(row.forms),
      leads: Number(row.leads),
      pageviews: Number(row.pageviews),
      totalDuration: Number(row.totalDuration),
      visitors: Number(row.visitors),
      visits: Number(row.visits),
    })
  }
  return result
}
