/**
 * Goals read from the rollups: a custom event's name from the daily `event` rows (each name's
 * events and distinct visitors per day), every other goal from the daily `goal` rows the
 * aggregation writes for the goals in force (`jobs/goalRollup.ts`); the monthly rollup holds
 * their sums per month. A year of goals is a dozen monthly rows per goal plus the partial
 * months' days.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { drizzleOf, sql } from './db.js'
import { rangeParts, rollupTables } from './rollupRange.js'

const a = (alias: string) => sql.identifier(alias)

/** One site's goal as the rollups hold it: rows of `dimension` keyed `key`, counted from `from`. */
export interface RolledUpGoal {
  dimension: 'event' | 'goal'
  /** First local day read (the range's, or the first day the goal's rows count). */
  from: string
  key: string
  /** The goal's name in the answer. */
  name: string
  siteId: number | string
}

export async function rolledUpGoalTotals(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  to: string,
  goals: readonly RolledUpGoal[],
): Promise<Array<{ conversions: number; name: string; visitors: number }>> {
  // Goals read over the same days (usually all of them) share one part per table.
  const groups = new Map<string, RolledUpGoal[]>()
  for (const goal of goals) {
    if (goal.from > to) continue
    const key = `${goal.dimension}|${goal.from}`
    ;(groups.get(key) ?? groups.set(key, []).get(key)!).push(goal)
  }
  if (groups.size === 0) return []
  const tables = rollupTables(payload, cfg)
  const parts = [...groups.values()].flatMap((group) =>
    rangeParts(tables, {
      dimension: (table) => sql`= ${group[0]!.dimension}::${table.enumType('dimension')}`,
      fields: { events: 'float8', visitors: 'float8' },
      from: group[0]!.from,
      // (site, key, goal name) of every goal, joined to the rows of its site and key.
      join: {
        columns: sql`g.${a('name')}`,
        on: (table) => sql`JOIN (VALUES ${sql.join(
          group.map((goal) => sql`(${String(goal.siteId)}, ${goal.key}, ${goal.name})`),
          sql`, `,
        )}) AS g (${a('site')}, ${a('key')}, ${a('name')}) ON r.${table.id('site')}::text = g.${a('site')} AND r.${table.id('key')} = g.${a('key')}`,
      },
      siteIds: [...new Set(group.map((goal) => String(goal.siteId)))],
      to,
    }),
  )
  const { rows } = await drizzleOf(payload).execute(sql`
    SELECT u.${a('name')}, sum(u.${a('events')})::float8 AS ${a('conversions')}, sum(u.${a('visitors')})::float8 AS ${a('visitors')}
    FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY u.${a('name')}`)
  return (rows as Array<{ conversions: number; name: string; visitors: number }>).map((row) => ({
    conversions: Number(row.conversions),
    name: row.name,
    visitors: Number(row.visitors),
  }))
}
