/**
 * The SQL of a funnel over one site's raw events: a visit reaches step k when it converts for
 * goals 1..k in that order (events ordered by time, then event id); other events in between,
 * repeats and steps out of order are allowed, a step before the previous one does not count.
 * Taking, for each step, the visit's earliest matching event after the previous step's is
 * exact: an earlier match never leaves fewer later steps reachable.
 *
 * Under filters only the sessions the filters keep are walked (`filteredVisitsCtes`: a session
 * counts when its visit on one of its local days passes them), each with all of its events.
 */
import type { Payload } from 'payload'

import type { Goal } from '../core/goals.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { SqlQuery } from './db.js'

import { ENGAGEMENT } from '../core/dailyStats.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { goalPredicate } from './filteredStats.js'

const a = (alias: string) => sql.identifier(alias)

export async function funnelCounts(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  args: {
    end: Date
    siteId: number | string
    start: Date
    steps: readonly Goal[]
    /** CTEs whose `vs` holds the visits filters keep (`filteredVisitsCtes`); none: every visit. */
    visits?: SqlQuery
  },
): Promise<number[]> {
  const e = collectionTable(payload, cfg.slugs.events)
  const range = sql`x.${e.id('site')} = ${String(args.siteId)} AND x.${e.id('timestamp')} >= ${args.start.toISOString()}::timestamptz
    AND x.${e.id('timestamp')} < ${args.end.toISOString()}::timestamptz AND x.${e.id('type')} <> ${ENGAGEMENT}`
  // Only the visits' events that match some step are kept for the step joins: one pass over
  // the range (a step's events are spread over all of it, so per-step index scans would read
  // most of its pages once per step). Properties are read only when a step tests one.
  const anyStep = sql.join(args.steps.map((goal) => goalPredicate(goal)), sql` OR `)
  const props = args.steps.some((goal) => goal.prop !== undefined) ? sql`x.${e.id('props')}` : sql`NULL::jsonb`
  const stepCtes = args.steps.map((goal, index) => {
    const name = a(`s${index}`)
    if (index === 0) {
      return sql`${name} AS MATERIALIZED (
        SELECT DISTINCT ON (e.${a('session')}) e.${a('session')}, e.${a('visitor')}, e.${a('ts')}, e.${a('eid')}
        FROM fs e WHERE ${goalPredicate(goal)} ORDER BY e.${a('session')}, e.${a('ts')}, e.${a('eid')} COLLATE "C")`
    }
    const previous = a(`s${index - 1}`)
    return sql`${name} AS MATERIALIZED (
      SELECT DISTINCT ON (e.${a('session')}) e.${a('session')}, p.${a('visitor')}, e.${a('ts')}, e.${a('eid')}
      FROM ${previous} p JOIN fs e ON e.${a('session')} = p.${a('session')}
        AND (e.${a('ts')} > p.${a('ts')} OR (e.${a('ts')} = p.${a('ts')} AND e.${a('eid')} COLLATE "C" > p.${a('eid')} COLLATE "C"))
      WHERE ${goalPredicate(goal)} ORDER BY e.${a('session')}, e.${a('ts')}, e.${a('eid')} COLLATE "C")`
  })
  // Visitors of a step: the distinct hashes of the visits that reached it (a hash is one visitor of one day).
  const counts = args.steps.map((_, index) => sql`(SELECT count(DISTINCT ${a('visitor')}) FROM ${a(`s${index}`)})::float8`)
  const query = sql`
    WITH ${args.visits ? sql`${args.visits}, ` : sql``}fs AS MATERIALIZED (SELECT * FROM (
      SELECT x.${e.id('type')} AS ${a('type')}, NULLIF(x.${e.id('path')}, '') AS ${a('path')}, ${props} AS ${a('props')},
        NULLIF(x.${e.id('sessionId')}, '') AS ${a('session')}, NULLIF(x.${e.id('visitorHash')}, '') AS ${a('visitor')},
        x.${e.id('timestamp')} AS ${a('ts')}, x.${e.id('eventId')} AS ${a('eid')}
      FROM ${e.ref} x WHERE ${range} AND NULLIF(x.${e.id('sessionId')}, '') IS NOT NULL
    ) e WHERE (${anyStep})${args.visits ? sql` AND e.${a('session')} IN (SELECT k.${a('session')} FROM vs k)` : sql``}),
    ${sql.join(stepCtes, sql`, `)}
    SELECT ARRAY[${sql.join(counts, sql`, `)}] AS ${a('steps')}`
  const rows = await drizzleOf(payload).transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL work_mem = '64MB'`)
    // The filters' CTEs join sets whose sizes the planner can only guess (see `filteredStats.ts`).
    if (args.visits) await tx.execute(sql`SET LOCAL enable_nestloop = off`)
    return (await tx.execute(query)).rows as Array<{ steps: number[] | string }>
  })
  const row = rows[0]!
  const steps = Array.isArray(row.steps) ? row.steps.map(Number) : String(row.steps).replace(/[{}]/g, '').split(',').map(Number)
  return steps
}
