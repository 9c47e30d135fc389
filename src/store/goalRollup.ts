/**
 * Goals that are a custom event's name are already rolled up: the daily `event` rows hold
 * each name's events and distinct visitors per day, the monthly rollup their sums per month.
 * A year of such goals is a dozen monthly rows per goal plus the partial months' days.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { splitByMonths } from '../core/months.js'
import { collectionTable, drizzleOf, sql } from './db.js'

const a = (alias: string) => sql.identifier(alias)

export async function eventGoalTotals(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  from: string,
  to: string,
  sites: ReadonlyArray<{ events: ReadonlyArray<{ event: string; name: string }>; siteId: number | string }>,
): Promise<Array<{ conversions: number; name: string; visitors: number }>> {
  const pairs = sites.flatMap((site) => site.events.map((goal) => ({ ...goal, siteId: String(site.siteId) })))
  if (pairs.length === 0) return []
  const daily = collectionTable(payload, cfg.slugs.dailyStats)
  const monthly = collectionTable(payload, cfg.slugs.monthlyStats)
  // (site, event name, goal name) of every goal, joined to the rows of its site and name.
  const goals = sql`(VALUES ${sql.join(
    pairs.map((pair) => sql`(${pair.siteId}, ${pair.event}, ${pair.name})`),
    sql`, `,
  )}) AS g (${a('site')}, ${a('event')}, ${a('name')})`
  const part = (table: CollectionTable, column: string, range: { from: string; to: string }): SqlQuery =>
    sql`SELECT g.${a('name')}, r.${table.id('events')}::float8 AS ${a('events')}, r.${table.id('visitors')}::float8 AS ${a('visitors')}
      FROM ${table.ref} r JOIN ${goals} ON r.${table.id('site')}::text = g.${a('site')} AND r.${table.id('key')} = g.${a('event')}
      WHERE r.${table.id('site')} IN (${sql.join([...new Set(pairs.map((pair) => pair.siteId))].map((id) => sql`${id}`), sql`, `)})
        AND r.${table.id('dimension')} = ${'event'}::${table.enumType('dimension')}
        AND r.${table.id(column)} >= ${`${range.from}T00:00:00.000Z`}::timestamptz AND r.${table.id(column)} <= ${`${range.to}T00:00:00.000Z`}::timestamptz`
  const split = splitByMonths(from, to)
  const parts = split.days.map((range) => part(daily, 'date', range))
  if (split.months) parts.push(part(monthly, 'month', split.months))
  const { rows } = await drizzleOf(payload).execute(sql`
    SELECT u.${a('name')}, sum(u.${a('events')})::float8 AS ${a('conversions')}, sum(u.${a('visitors')})::float8 AS ${a('visitors')}
    FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY u.${a('name')}`)
  return (rows as Array<{ conversions: number; name: string; visitors: number }>).map((row) => ({
    conversions: Number(row.conversions),
    name: row.name,
    visitors: Number(row.visitors),
  }))
}
