/**
 * Reading a range of local days from the rollups, as UNION ALL parts: the whole months from
 * the monthly rollup (≈ 12 rows per key over a year instead of 365), the partial months at
 * either end from the daily rows — the same sums — and, for sites that have some, the
 * imported rows (daily only, read as they were written). The stats queries, goals and revenue
 * all read ranges this way; each says how its columns are cast.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlName, SqlQuery } from './db.js'
import type { SiteKey } from './statsQueries.js'

import { splitByMonths } from '../core/months.js'
import { collectionTable, sql } from './db.js'

/** The tables a range is read from. */
export interface RollupTables {
  daily: CollectionTable
  imported: CollectionTable
  monthly: CollectionTable
}

export const rollupTables = (payload: Payload, cfg: SanitizedAnalyticsConfig): RollupTables => ({
  daily: collectionTable(payload, cfg.slugs.dailyStats),
  imported: collectionTable(payload, cfg.slugs.importedStats),
  monthly: collectionTable(payload, cfg.slugs.monthlyStats),
})

/** A date column between two local days, both included (a day's label is its date at 00:00 UTC). */
export const daysBetween = (column: SqlName | SqlQuery, from: string, to: string): SqlQuery =>
  sql`${column} >= ${`${from}T00:00:00.000Z`}::timestamptz AND ${column} <= ${`${to}T00:00:00.000Z`}::timestamptz`

/** A site column among some site ids (compared as text: ids may be numbers or strings). */
export const siteIn = (column: SqlName | SqlQuery, siteIds: readonly SiteKey[]): SqlQuery =>
  sql`${column} IN (${sql.join(
    siteIds.map((id) => sql`${String(id)}`),
    sql`, `,
  )})`

/**
 * How a field is read: `float8` for counters (summed several times faster than `numeric`,
 * exact for whole numbers below 2^53), `text` for enums and ids, `null` as stored (revenue's
 * `numeric` stays exact).
 */
export type FieldCast = 'float8' | 'text' | null

const CASTS: Record<Exclude<FieldCast, null>, SqlQuery> = { float8: sql`float8`, text: sql`text` }

export interface RangePartsQuery {
  siteIds: readonly SiteKey[]
  /** First and last local day, both included. */
  from: string
  to: string
  /** What follows the `dimension` column, per table: `= 'page'::<enum>`, `IN (…)`. */
  dimension: (table: CollectionTable) => SqlQuery
  /** The fields read, each under its own name, with its cast. */
  fields: Readonly<Record<string, FieldCast>>
  /** A further narrowing per table (its rows are `r`). @default none */
  where?: (table: CollectionTable) => SqlQuery
  /** Joined to each table's rows (`r`), with the columns it adds to the select list. @default none */
  join?: { columns: SqlQuery; on: (table: CollectionTable) => SqlQuery }
  /** Sites (of `siteIds`) whose imported rows to add. @default none */
  imported?: readonly SiteKey[]
  /** Read whole months from the monthly rollup; `false` reads daily rows only. @default true */
  monthly?: boolean
}

/** The range's parts, to join with ` UNION ALL `; each table's rows are aliased `r`. */
export function rangeParts(tables: RollupTables, query: RangePartsQuery): SqlQuery[] {
  const { fields, join, where } = query
  const part = (table: CollectionTable, dateField: string, siteIds: readonly SiteKey[], range: { from: string; to: string }): SqlQuery => {
    const columns = sql.join(
      Object.entries(fields).map(([field, cast]) => {
        const column = sql`r.${table.id(field)}`
        return sql`${cast ? sql`${column}::${CASTS[cast]}` : column} AS ${sql.identifier(field)}`
      }),
      sql`, `,
    )
    return sql`SELECT ${columns}${join ? sql`, ${join.columns}` : sql``} FROM ${table.ref} r${join ? sql` ${join.on(table)}` : sql``}
      WHERE ${siteIn(sql`r.${table.id('site')}`, siteIds)} AND r.${table.id('dimension')} ${query.dimension(table)}
        AND ${daysBetween(sql`r.${table.id(dateField)}`, range.from, range.to)}${where ? sql` AND ${where(table)}` : sql``}`
  }
  const split = query.monthly === false ? { days: [{ from: query.from, to: query.to }], months: null } : splitByMonths(query.from, query.to)
  const parts = split.days.map((range) => part(tables.daily, 'date', query.siteIds, range))
  if (split.months) parts.push(part(tables.monthly, 'month', query.siteIds, split.months))
  if (query.imported?.length) parts.push(part(tables.imported, 'date', query.imported, query))
  return parts
}
