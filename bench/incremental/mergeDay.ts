/**
 * The prototype's run for one (site, local day): merge the day's FRESH raw events (those the
 * run just inserted) into the partial aggregates of `stateTables.ts` and the daily rows, so the
 * cost follows the new events (and the visits they touch), not the day's size. It must give
 * exactly the rows the product's full recompute gives (`src/store/recomputeDailyStats.ts`,
 * definitions in `src/core/dailyStats.ts`); the bench checks that for every dimension.
 *
 * One transaction, under an advisory lock of the (site, day):
 * 1. `f`: the fresh events, normalised as the recompute's `ev`/`eng` (empty text = null).
 * 2. Additive deltas into `d`: the total's event counts and typed totals, pageviews per page,
 *    events per custom event; the events (and revenue) of the site's goals, of each currency and
 *    of each custom event's currency (`goal`, `goalRevenue`, `revenue`, `eventRevenue`).
 * 3. Distinct counts that only grow (total / page / event / goal / revenue visitors, page
 *    visits): the seen sets.
 * 4. Page engagement: the touched (session, page) pairs' max depth and summed milliseconds; the
 *    deltas of their four sums go to the page rows.
 * 5. Visits: every visit with a fresh event is recomputed from ITS raw events (the session
 *    index), as the recompute computes it; its old contribution (stored) is subtracted and the
 *    new one added — visits, bounces, pageviews, duration per key; visitor counts through the
 *    per-member counts. Late or out-of-order events need no special case: the visit is re-read.
 * 6. The deltas added to the daily rows; the total's engagement is the sum of the page rows'
 *    (the total row exists only on a day with counted events, the page rows also without);
 *    rows whose key no longer occurs (a visit's exit page moved on) are deleted.
 * Not prototyped: `prop` rows (a listed property's day's top values: a ranking, not a sum); the
 * bench's sites list no property keys.
 */
import type { Payload } from 'payload'

import type { Goal } from '../../src/core/goals.js'
import type { CollectionTable, SqlQuery } from '../../src/store/db.js'

import {
  COUNTED_EVENT_TYPES,
  dayBounds,
  EMPTY_KEY_DIMENSIONS,
  ENGAGEMENT,
  MAX_EVENT_VALUE,
  NON_CUSTOM_EVENT_TYPES,
  PAGEVIEW,
  SCROLL_DEPTH_PROP,
  SESSION_DIMENSION_FIELDS,
  SESSION_DIMENSIONS,
  SUMMED_EVENT_TYPES,
} from '../../src/core/dailyStats.js'
import { ENGAGEMENT_METRICS, ROLLUP_METRICS } from '../../src/core/dimensions.js'
import { drizzleOf, sql } from '../../src/store/db.js'
import { goalPredicate } from '../../src/store/filteredStats.js'
import { INC, metricColumn, sessionKeyColumn } from './stateTables.js'

const a = (name: string) => sql.identifier(name)
const m = (metric: string) => a(metricColumn(metric))
const list = (values: readonly string[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )

export interface MergeArgs {
  day: string
  events: CollectionTable
  /** Which of the day's raw events are fresh: a condition on the events row `e` (the run's inserted ids). */
  fresh: SqlQuery
  /** The site's goals, as the product's runs are given them (`rolledUpOf`). @default none */
  goals?: readonly Goal[]
  siteId: number | string
  timeZone: string
}

/** The statements below, in order (the names of `MergeResult.steps`). */
const STEP_NAMES = [
  'lock',
  'fresh',
  'analyzeFresh',
  'deltaTable',
  'totals',
  'pages',
  'customEvents',
  'rollupEvents',
  'rollupCounts',
  'seenSets',
  'engagement',
  'touchedVisits',
  'analyzeTouched',
  'visitsFromRaw',
  'contributions',
  'visitDeltas',
  'members',
  'visitState',
  'dailyUpsert',
  'totalEngagement',
  'deleteGone',
  'counts',
]

export interface MergeResult {
  freshEvents: number
  /** Milliseconds per step (statement), to see where a merge spends its time. */
  steps: Record<string, number>
  touchedVisits: number
}

export async function mergeDay(payload: Payload, args: MergeArgs): Promise<MergeResult> {
  const { events: e } = args
  const { end, start } = dayBounds(args.day, args.timeZone)
  const site = String(args.siteId)
  const day = sql`${args.day}::date`
  const col = (field: string) => sql`e.${e.id(field)}`
  const inDay = sql`${col('site')} = ${site} AND ${col('timestamp')} >= ${start.toISOString()}::timestamptz AND ${col('timestamp')} < ${end.toISOString()}::timestamptz`
  const attributes = Object.values(SESSION_DIMENSION_FIELDS)
  // The recompute's normalisation of an event row (text columns: empty = null).
  const normalised = sql`${col('type')} COLLATE "C" AS type,
    ${sql.join(
      attributes.map((field) => (field === 'device' ? sql`${col('device')}::text AS device` : sql`NULLIF(${col(field)}, '') COLLATE "C" AS ${a(field)}`)),
      sql`, `,
    )},
    NULLIF(${col('path')}, '') COLLATE "C" AS path, NULLIF(${col('visitorHash')}, '') COLLATE "C" AS visitor,
    NULLIF(${col('sessionId')}, '') COLLATE "C" AS session, ${col('value')} AS value, ${col('props')} AS props,
    ${col('revenueAmount')} AS rev_amount, NULLIF(${col('revenueCurrency')}, '') COLLATE "C" AS rev_currency, ${col('timestamp')} AS ts, ${col('eventId')} COLLATE "C" AS eid,
    round(COALESCE(${col('value')}, 0) * 1000) AS ms,
    CASE WHEN jsonb_typeof(${col('props')} -> ${SCROLL_DEPTH_PROP}) = 'number' THEN (${col('props')} ->> ${SCROLL_DEPTH_PROP})::numeric END AS depth`
  const custom = sql`type NOT IN (${list(NON_CUSTOM_EVENT_TYPES)})`
  const counted = sql`type <> ${ENGAGEMENT}`
  const pageview = sql`type = ${PAGEVIEW}`
  const here = (alias: string) => sql`${a(alias)}.site = ${site} AND ${a(alias)}.day = ${day}`

  return drizzleOf(payload).transaction(async (tx) => {
    const steps: Record<string, number> = {}
    let step = 0
    const run = async (query: SqlQuery, name = STEP_NAMES[step++] ?? 'other') => {
      const started = performance.now()
      const result = await tx.execute(query)
      steps[name] = Math.round((steps[name] ?? 0) + performance.now() - started)
      return result
    }
    await run(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`bench_inc|${site}|${args.day}`}, 0))`)
    // 1. The fresh events.
    await run(sql`CREATE TEMP TABLE inc_f ON COMMIT DROP AS SELECT ${normalised} FROM ${e.ref} e WHERE ${inDay} AND (${args.fresh})`)
    // Temp tables have no statistics: without them the planner guesses and may scan the whole day.
    await run(sql`ANALYZE inc_f`)
    await run(
      sql`CREATE TEMP TABLE inc_d (dimension text, key text, ${sql.join(
        ROLLUP_METRICS.map((metric) => sql`${m(metric)} numeric NOT NULL DEFAULT 0`),
        sql`, `,
      )}) ON COMMIT DROP`,
    )

    // 2. Additive counts.
    const typed = [
      ...Object.entries(COUNTED_EVENT_TYPES).map(([type, metric]) => ({
        expression: sql`count(*) FILTER (WHERE type = ${type})`,
        metric,
      })),
      ...Object.entries(SUMMED_EVENT_TYPES).map(([type, metric]) => ({
        expression: sql`COALESCE(sum(LEAST(GREATEST(value, 0), ${MAX_EVENT_VALUE})) FILTER (WHERE type = ${type}), 0)`,
        metric,
      })),
    ]
    await run(sql`INSERT INTO inc_d (dimension, key, ${m('events')}, ${m('pageviews')}, ${sql.join(
      typed.map((t) => m(t.metric)),
      sql`, `,
    )})
      SELECT 'total', '', count(*), count(*) FILTER (WHERE ${pageview}), ${sql.join(
        typed.map((t) => t.expression),
        sql`, `,
      )} FROM inc_f WHERE ${counted} HAVING count(*) > 0`)
    await run(
      sql`INSERT INTO inc_d (dimension, key, ${m('pageviews')}) SELECT 'page', path, count(*) FROM inc_f WHERE ${pageview} AND path IS NOT NULL GROUP BY path`,
    )
    await run(sql`INSERT INTO inc_d (dimension, key, ${m('events')}) SELECT 'event', type, count(*) FROM inc_f WHERE ${custom} GROUP BY type`)
    // The fresh events under the goal and revenue rows they count in (each event once per row).
    const goals = args.goals ?? []
    const withRevenue = sql`rev_currency IS NOT NULL AND rev_amount IS NOT NULL`
    const goalNames = goals.length
      ? sql`unnest(ARRAY[${sql.join(
          goals.map((goal) => sql`CASE WHEN ${goalPredicate(goal, 'f')} THEN ${goal.name}::text END`),
          sql`, `,
        )}])`
      : sql`unnest(ARRAY[]::text[])`
    await run(sql`CREATE TEMP TABLE inc_g ON COMMIT DROP AS
      SELECT 'goal'::text AS dimension, g.name AS key, f.visitor, NULL::numeric AS amount FROM inc_f f, ${goalNames} AS g(name)
        WHERE f.type <> ${ENGAGEMENT} AND g.name IS NOT NULL
      UNION ALL SELECT 'goalRevenue', f.rev_currency || ':' || g.name, f.visitor, f.rev_amount FROM inc_f f, ${goalNames} AS g(name)
        WHERE f.type <> ${ENGAGEMENT} AND g.name IS NOT NULL AND ${withRevenue}
      UNION ALL SELECT 'revenue', rev_currency, visitor, rev_amount FROM inc_f WHERE ${counted} AND ${withRevenue}
      UNION ALL SELECT 'eventRevenue', rev_currency || ':' || type, visitor, rev_amount FROM inc_f WHERE ${custom} AND ${withRevenue}`)
    await run(sql`INSERT INTO inc_d (dimension, key, ${m('events')}, ${m('revenue')})
      SELECT dimension, key, count(*), COALESCE(sum(amount), 0) FROM inc_g GROUP BY dimension, key`)

    // 3. Seen sets: only members not seen before come back.
    await run(sql`WITH ins AS (
        INSERT INTO ${INC.seen} (site, day, kind, key, member)
        SELECT DISTINCT ${site}, ${day}, x.kind, x.key, x.member FROM (
          SELECT 0::smallint AS kind, '' AS key, visitor AS member FROM inc_f WHERE ${counted} AND visitor IS NOT NULL
          UNION ALL SELECT 1, path, visitor FROM inc_f WHERE ${pageview} AND path IS NOT NULL AND visitor IS NOT NULL
          UNION ALL SELECT 2, path, session FROM inc_f WHERE ${pageview} AND path IS NOT NULL AND session IS NOT NULL
          UNION ALL SELECT 3, type, visitor FROM inc_f WHERE ${custom} AND visitor IS NOT NULL
          UNION ALL SELECT CASE dimension WHEN 'goal' THEN 4 WHEN 'goalRevenue' THEN 5 WHEN 'revenue' THEN 6 ELSE 7 END, key, visitor
            FROM inc_g WHERE visitor IS NOT NULL
        ) x
        ON CONFLICT DO NOTHING RETURNING kind, key
      )
      INSERT INTO inc_d (dimension, key, ${m('visitors')}, ${m('visits')})
      SELECT CASE kind WHEN 0 THEN 'total' WHEN 3 THEN 'event' WHEN 4 THEN 'goal' WHEN 5 THEN 'goalRevenue' WHEN 6 THEN 'revenue'
        WHEN 7 THEN 'eventRevenue' ELSE 'page' END, key, count(*) FILTER (WHERE kind <> 2), count(*) FILTER (WHERE kind = 2)
      FROM ins GROUP BY 1, 2`)

    // 4. Page engagement per (session, page): max and sum merge in place; the deltas go to the page.
    const [depthSum, scrollVisits, engagedMs, engagedVisits] = ENGAGEMENT_METRICS.map(m)
    await run(sql`WITH fe AS (
        SELECT session, path, max(depth) AS depth, sum(ms) AS ms FROM inc_f
        WHERE type = ${ENGAGEMENT} AND session IS NOT NULL AND path IS NOT NULL GROUP BY session, path
      ), old AS (
        SELECT g.session, g.path, g.depth, g.ms FROM ${INC.engagement} g JOIN fe USING (session, path) WHERE ${here('g')}
      ), up AS (
        INSERT INTO ${INC.engagement} AS g (site, day, session, path, depth, ms) SELECT ${site}, ${day}, session, path, depth, ms FROM fe
        ON CONFLICT (site, day, session, path) DO UPDATE SET depth = GREATEST(g.depth, EXCLUDED.depth), ms = g.ms + EXCLUDED.ms
        RETURNING g.session, g.path, g.depth, g.ms
      )
      INSERT INTO inc_d (dimension, key, ${depthSum}, ${scrollVisits}, ${engagedMs}, ${engagedVisits})
      SELECT 'page', up.path, sum(COALESCE(up.depth, 0) - COALESCE(old.depth, 0)), sum((up.depth IS NOT NULL)::int - (old.depth IS NOT NULL)::int),
        sum(up.ms - COALESCE(old.ms, 0)), sum((up.ms > 0)::int - (COALESCE(old.ms, 0) > 0)::int)
      FROM up LEFT JOIN old USING (session, path) GROUP BY up.path`)

    // 5. Visits touched by a fresh event, recomputed from their own raw events.
    await run(sql`CREATE TEMP TABLE inc_t ON COMMIT DROP AS
      SELECT DISTINCT session FROM inc_f WHERE session IS NOT NULL AND (${counted} OR path IS NOT NULL)`)
    await run(sql`ANALYZE inc_t`)
    const inOrder = sql`ORDER BY ts, eid`
    const first = (name: string) => sql`(array_agg(${a(name)} ${inOrder}))[1] AS ${a(name)}`
    const keyOf = (dimension: (typeof SESSION_DIMENSIONS)[number]) => {
      const value = dimension === 'entryPage' ? sql`sp.paths[1]` : sql`sp.${a(SESSION_DIMENSION_FIELDS[dimension])}`
      return EMPTY_KEY_DIMENSIONS.includes(dimension) ? sql`COALESCE(${value}, '')` : value
    }
    await run(sql`CREATE TEMP TABLE inc_ns ON COMMIT DROP AS
      WITH se AS MATERIALIZED (
        SELECT ${normalised} FROM inc_t t JOIN ${e.ref} e ON ${col('sessionId')} = t.session WHERE ${inDay}
      ), sp AS (
        SELECT session, count(*) AS n, count(*) FILTER (WHERE ${pageview}) AS pageviews, EXTRACT(EPOCH FROM max(ts) - min(ts)) AS span,
          max(ts) FILTER (WHERE ${pageview}) AS last_pageview, ${sql.join(['visitor', ...attributes].map(first), sql`, `)},
          array_agg(path ${inOrder}) FILTER (WHERE ${pageview}) AS paths
        FROM se WHERE ${counted} GROUP BY session
      ), tail AS (
        SELECT g.session, sum(g.ms) / 1000 AS tail FROM se g JOIN sp ON sp.session = g.session
          AND g.ts >= sp.last_pageview AND g.path = sp.paths[cardinality(sp.paths)]
        WHERE g.type = ${ENGAGEMENT} GROUP BY g.session
      )
      SELECT sp.session, sp.visitor, ${sql.join(
        SESSION_DIMENSIONS.map((dimension) => sql`${keyOf(dimension)}::text AS ${sessionKeyColumn(dimension)}`),
        sql`, `,
      )},
        sp.paths[cardinality(sp.paths)] AS exit_page, CASE WHEN sp.n = 1 AND sp.pageviews = 1 THEN 1 ELSE 0 END AS bounce,
        sp.pageviews::int AS pageviews, sp.span + COALESCE(tail.tail, 0) AS duration
      FROM sp LEFT JOIN tail USING (session)`)
    const stateColumns = sql`session, visitor, ${sql.join(
      SESSION_DIMENSIONS.map((dimension) => sessionKeyColumn(dimension)),
      sql`, `,
    )}, exit_page, bounce, pageviews, duration`
    // Every visit's contribution, old (-1) and new (+1), under each of its keys: kind 0 = the
    // total, 1 = a session dimension, 2 = the exit page (visits and visitors only).
    const keyed = sql.join(
      [
        sql`('total'::text, ''::text, 0)`,
        ...SESSION_DIMENSIONS.map((dimension) => sql`(${dimension}::text, s.${sessionKeyColumn(dimension)}, 1)`),
        sql`('exitPage', s.exit_page, 2)`,
      ],
      sql`, `,
    )
    await run(sql`CREATE TEMP TABLE inc_c ON COMMIT DROP AS
      SELECT s.sign, s.visitor, x.dimension, x.key, x.kind, s.bounce, s.pageviews, s.duration
      FROM (
        SELECT 1 AS sign, ${stateColumns} FROM inc_ns
        UNION ALL SELECT -1, ${stateColumns} FROM ${INC.sessions} o WHERE ${here('o')} AND o.session IN (SELECT session FROM inc_t)
      ) s CROSS JOIN LATERAL (VALUES ${keyed}) AS x (dimension, key, kind)
      WHERE x.key IS NOT NULL`)
    await run(sql`INSERT INTO inc_d (dimension, key, ${m('visits')}, ${m('bounces')}, ${m('pageviews')}, ${m('totalDuration')})
      SELECT dimension, key, sum(sign), COALESCE(sum(sign * bounce) FILTER (WHERE kind < 2), 0),
        COALESCE(sum(sign * pageviews) FILTER (WHERE kind = 1), 0), COALESCE(sum(sign * duration) FILTER (WHERE kind < 2), 0)
      FROM inc_c GROUP BY dimension, key`)
    await run(sql`WITH net AS (
        SELECT dimension, key, visitor, sum(sign)::int AS n FROM inc_c WHERE kind > 0 AND visitor IS NOT NULL
        GROUP BY dimension, key, visitor HAVING sum(sign) <> 0
      ), up AS (
        INSERT INTO ${INC.members} AS o (site, day, dimension, key, visitor, n) SELECT ${site}, ${day}, dimension, key, visitor, n FROM net
        ON CONFLICT (site, day, dimension, key, visitor) DO UPDATE SET n = o.n + EXCLUDED.n
        RETURNING o.dimension, o.key, o.visitor, o.n
      )
      INSERT INTO inc_d (dimension, key, ${m('visitors')})
      -- The count before is the count after minus the change (0 for a member inserted now): no
      -- second look-up of the members, which the planner did as a join over the whole day's.
      SELECT up.dimension, up.key, sum((up.n > 0)::int - (up.n - net.n > 0)::int) FROM up JOIN net USING (dimension, key, visitor)
      GROUP BY up.dimension, up.key`)
    await run(sql`INSERT INTO ${INC.sessions} AS o (site, day, ${stateColumns}) SELECT ${site}, ${day}, ${stateColumns} FROM inc_ns
      ON CONFLICT (site, day, session) DO UPDATE SET ${sql.join(
        ['visitor', ...SESSION_DIMENSIONS.map((dimension) => `k_${dimension}`), 'exit_page', 'bounce', 'pageviews', 'duration'].map(
          (name) => sql`${a(name)} = EXCLUDED.${a(name)}`,
        ),
        sql`, `,
      )}`)

    // 6. The deltas into the daily rows.
    const metrics = ROLLUP_METRICS.map(m)
    await run(sql`INSERT INTO ${INC.daily} AS o (site, day, dimension, key, ${sql.join(metrics, sql`, `)})
      SELECT ${site}, ${day}, dimension, key, ${sql.join(
        metrics.map((metric) => sql`sum(${metric})`),
        sql`, `,
      )} FROM inc_d GROUP BY dimension, key
      ON CONFLICT (site, day, dimension, key) DO UPDATE SET ${sql.join(
        metrics.map((metric) => sql`${metric} = o.${metric} + EXCLUDED.${metric}`),
        sql`, `,
      )}`)
    const engagement = ENGAGEMENT_METRICS.map(m)
    await run(sql`UPDATE ${INC.daily} o SET (${sql.join(engagement, sql`, `)}) = (
        SELECT ${sql.join(
          engagement.map((metric) => sql`COALESCE(sum(p.${metric}), 0)`),
          sql`, `,
        )} FROM ${INC.daily} p WHERE ${here('p')} AND p.dimension = 'page'
      ) WHERE ${here('o')} AND o.dimension = 'total' AND EXISTS (SELECT 1 FROM inc_d WHERE dimension IN ('page', 'total'))`)
    await run(sql`DELETE FROM ${INC.daily} o USING (SELECT DISTINCT dimension, key FROM inc_d) t
      WHERE ${here('o')} AND o.dimension = t.dimension AND o.key = t.key
        AND CASE o.dimension WHEN 'total' THEN o.${m('events')} <= 0 WHEN 'page' THEN false WHEN 'event' THEN false
          WHEN 'goal' THEN false WHEN 'goalRevenue' THEN false WHEN 'revenue' THEN false WHEN 'eventRevenue' THEN false ELSE o.${m('visits')} <= 0 END`)
    const [counts] = (await run(sql`SELECT (SELECT count(*) FROM inc_f)::int AS fresh, (SELECT count(*) FROM inc_t)::int AS touched`)).rows as Array<{
      fresh: number
      touched: number
    }>
    return {
      freshEvents: Number(counts?.fresh ?? 0),
      steps,
      touchedVisits: Number(counts?.touched ?? 0),
    }
  })
}
