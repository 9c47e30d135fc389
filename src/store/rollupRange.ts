/**
 * A range of local days read from the rollups: the partial months at either end from the daily
 * rows, the whole months between from the monthly rows (`splitByMonths`), so a year costs a
 * dozen monthly rows per key plus the partial months' days.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { splitByMonths } from '../core/months.js'
import { collectionTable, sql } from './db.js'

/**
 * The parts to `UNION ALL` for the days `from`…`to`: `part` reads one table (aliased `r`) where
 * `inRange` (a condition on `r`) holds.
 */
export function rollupRangeParts(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  from: string,
  to: string,
  part: (table: CollectionTable, inRange: SqlQuery) => SqlQuery,
): SqlQuery[] {
  const read = (table: CollectionTable, column: 'date' | 'month', range: { from: string; to: string }) =>
    part(
      table,
      sql`r.${table.id(column)} >= ${`${range.from}T00:00:00.000Z`}::timestamptz AND r.${table.id(column)} <= ${`${range.to}T00:00:00.000Z`}::timestamptz`,
    )
  const split = splitByMonths(from, to)
  const parts = split.days.map((range) => read(collectionTable(payload, cfg.slugs.dailyStats), 'date', range))
  if (split.months) parts.push(read(collectionTable(payload, cfg.slugs.monthlyStats), 'month', split.months))
  return parts
}
