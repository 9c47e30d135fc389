/**
 * The prototype of incremental daily statistics (bench only, issue 15): the tables it keeps.
 * Not product schema — created by the bench beside the product's tables, so the product's
 * full recompute and the prototype run side by side on the same raw events and their rows can
 * be compared (`compareRows.ts`). Every table is keyed by (site, local day) first, like the
 * daily rows, so one day's state is one index range and expires with the day.
 *
 * - `bench_inc_daily`: the prototype's daily rows (the product's columns, revenue included, numeric like them).
 * - `bench_inc_seen`: append-only seen sets for distinct counts that only ever grow — total
 *   visitors (kind 0), page visitors (1), page visits = sessions with a pageview of the page
 *   (2), custom-event visitors (3), goal visitors (4), and the visitors of `goalRevenue` (5),
 *   `revenue` (6) and `eventRevenue` (7) rows. `INSERT … ON CONFLICT DO NOTHING RETURNING` yields exactly
 *   the members not seen before: the increment of the count.
 * - `bench_inc_sessions`: each visit's contribution as last merged (its session-dimension
 *   keys, exit page, visitor, bounce, pageviews, duration), so a visit that continues in a
 *   later run is subtracted with its old contribution and added with its new one.
 * - `bench_inc_members`: how many of the day's visits put a visitor under a (session
 *   dimension or exit page, key): a visitor count that can also shrink (a visit's exit page
 *   moves on) needs counts per member, not a set.
 * - `bench_inc_engagement`: per (session, page), the deepest scroll and the engaged
 *   milliseconds (max and sum: order-independent, merged in place).
 * - An index on the raw events by (site, session, time): a touched visit is re-read from its own
 *   raw events (a few dozen rows), never the whole day.
 */
import type { CollectionTable, SqlQuery } from '../../src/store/db.js'

import { SESSION_DIMENSIONS } from '../../src/core/dailyStats.js'
import { ROLLUP_METRICS } from '../../src/core/dimensions.js'
import { sql } from '../../src/store/db.js'

/** The stats tables' column of a metric (`totalDuration` → `total_duration`). */
export const metricColumn = (metric: string): string => metric.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

export const INC = {
  daily: sql.identifier('bench_inc_daily'),
  engagement: sql.identifier('bench_inc_engagement'),
  members: sql.identifier('bench_inc_members'),
  seen: sql.identifier('bench_inc_seen'),
  sessions: sql.identifier('bench_inc_sessions'),
}

/** The column of a visit's key under a session dimension. */
export const sessionKeyColumn = (dimension: string) => sql.identifier(`k_${dimension}`)

export function createStateTables(events: CollectionTable): SqlQuery[] {
  const metrics = ROLLUP_METRICS.map((metric) => sql`${sql.identifier(metricColumn(metric))} numeric NOT NULL DEFAULT 0`)
  const keys = SESSION_DIMENSIONS.map((dimension) => sql`${sessionKeyColumn(dimension)} text`)
  return [
    sql`CREATE TABLE IF NOT EXISTS ${INC.daily} (site text, day date, dimension text, key text, ${sql.join(metrics, sql`, `)}, PRIMARY KEY (site, day, dimension, key))`,
    sql`CREATE TABLE IF NOT EXISTS ${INC.seen} (site text, day date, kind smallint, key text, member text, PRIMARY KEY (site, day, kind, key, member))`,
    sql`CREATE TABLE IF NOT EXISTS ${INC.sessions} (site text, day date, session text, visitor text, ${sql.join(keys, sql`, `)}, exit_page text,
      bounce int NOT NULL, pageviews int NOT NULL, duration numeric NOT NULL, PRIMARY KEY (site, day, session))`,
    sql`CREATE TABLE IF NOT EXISTS ${INC.members} (site text, day date, dimension text, key text, visitor text, n int NOT NULL, PRIMARY KEY (site, day, dimension, key, visitor))`,
    sql`CREATE TABLE IF NOT EXISTS ${INC.engagement} (site text, day date, session text, path text, depth numeric, ms numeric NOT NULL, PRIMARY KEY (site, day, session, path))`,
    sql`CREATE INDEX IF NOT EXISTS bench_inc_events_session ON ${events.ref} (${events.id('site')}, ${events.id('sessionId')}, ${events.id('timestamp')})
      WHERE ${events.id('sessionId')} IS NOT NULL AND ${events.id('sessionId')} <> ''`,
  ]
}
