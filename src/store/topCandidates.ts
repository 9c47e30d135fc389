/**
 * The candidates of pruned breakdowns (`core/topKeysBound.ts`): per (site, day or whole month,
 * dimension) the `depth` rows with the most visitors, read in that order from the
 * `(site, dimension, date|month, visitors)` indexes, summed per key in ONE statement — a few
 * thousand index entries instead of every row of the range.
 *
 * A range with whole months reads its leading partial month (e.g. 26 days of a year ending on
 * the 5th) as ONE part from that month's rollup rows instead of a part per day: the month's
 * visitors of a key are at least its visitors on those days, so they bound it from above
 * (`upper`) but add nothing to what it surely has (`lower`). Over 23 sites that is 23 × 8
 * index scans instead of 23 × 8 × 26. The trailing partial month (this month, still changing)
 * is read by days.
 */
import type { StatsDimension } from '../core/dimensions.js'
import type { DayRange, MonthSplit } from '../core/months.js'
import type { DimensionCandidates } from '../core/topKeysBound.js'
import type { CollectionTable, Drizzle, SqlQuery } from './db.js'

import { monthOf, monthsInRange } from '../core/months.js'
import { daysInRange } from '../core/statsRange.js'
import { sql } from './db.js'

const a = (alias: string) => sql.identifier(alias)

/** Midnights (UTC labels) from `from` to `to` by `step`: generated as plain timestamps, so no session time zone shifts them. */
const labels = (from: string, to: string, step: '1 day' | '1 month') =>
  sql`SELECT generate_series(${from}::timestamp, ${to}::timestamp, ${step}::interval) AT TIME ZONE 'UTC' AS ${a('at')}`

/** A range's parts as the candidates read them: day ranges by days, the whole months and, bounding only, the leading partial month. */
function partsOf(split: MonthSplit): { days: DayRange[]; leading: DayRange | null } {
  const first = split.days[0]
  const leading = split.months && first && first.to < split.months.from ? first : null
  return { days: leading ? split.days.slice(1) : split.days, leading }
}

/** Index scans per site and dimension the candidates of a range read. */
export function candidatePartsPerSite(split: MonthSplit): number {
  const { days, leading } = partsOf(split)
  const months = split.months ? monthsInRange(split.months.from, split.months.to) : 0
  return days.reduce((sum, range) => sum + daysInRange(range.from, range.to), 0) + months + (leading ? 1 : 0)
}

export async function topCandidates(
  db: Pick<Drizzle, 'execute'>,
  tables: { daily: CollectionTable; monthly: CollectionTable },
  args: { depth: number; dimensions: readonly StatsDimension[]; siteIds: ReadonlyArray<number | string>; split: MonthSplit },
): Promise<Map<StatsDimension, DimensionCandidates>> {
  const { depth, dimensions, siteIds, split } = args
  const firsts = (table: CollectionTable, column: 'date' | 'month', tag: string, at: SqlQuery) => {
    const sites = sql.join(
      siteIds.map((id) => sql`(${String(id)}::${table.idType('site')})`),
      sql`, `,
    )
    const dims = sql.join(
      dimensions.map((dimension) => sql`(${dimension}::${table.enumType('dimension')})`),
      sql`, `,
    )
    return sql`
      SELECT ${tag} AS ${a('tag')}, p.${a('site')}, p.${a('at')}, p.${a('dim')}::text AS ${a('dim')}, c.${a('key')}, c.${a('v')}, c.${a('n')}
      FROM (SELECT s.${a('site')}, d.${a('dim')}, t.${a('at')} FROM (VALUES ${sites}) s(${a('site')}), (VALUES ${dims}) d(${a('dim')}), (${at}) t) p
      CROSS JOIN LATERAL (
        SELECT x.${a('key')}, x.${a('v')}, row_number() OVER (ORDER BY x.${a('v')} DESC) AS ${a('n')} FROM (
          SELECT r.${table.id('key')} AS ${a('key')}, r.${table.id('visitors')}::float8 AS ${a('v')} FROM ${table.ref} r
          WHERE r.${table.id('site')} = p.${a('site')} AND r.${table.id('dimension')} = p.${a('dim')} AND r.${table.id(column)} = p.${a('at')}
          ORDER BY r.${table.id('visitors')} DESC LIMIT ${depth}
        ) x
      ) c`
  }
  const { days, leading } = partsOf(split)
  const parts = days.map((range) => firsts(tables.daily, 'date', 'd', labels(range.from, range.to, '1 day')))
  if (split.months) parts.push(firsts(tables.monthly, 'month', 'm', labels(split.months.from, split.months.to, '1 month')))
  // Tag `u`: an upper bound only (the whole month's rows for some of its days).
  if (leading) parts.push(firsts(tables.monthly, 'month', 'u', labels(monthOf(leading.from), monthOf(leading.from), '1 month')))
  const { rows } = await db.execute(sql`
    WITH top AS MATERIALIZED (${sql.join(parts, sql` UNION ALL `)}),
    part AS (
      SELECT ${a('tag')}, ${a('site')}, ${a('at')}, ${a('dim')}, bool_or(${a('n')} >= ${depth}) AS ${a('cut')},
        COALESCE(max(${a('v')}) FILTER (WHERE ${a('n')} >= ${depth}), 0) AS ${a('bound')}
      FROM top GROUP BY 1, 2, 3, 4
    ),
    dim AS (SELECT ${a('dim')}, sum(${a('bound')}) AS ${a('bound')}, bool_or(${a('cut')}) AS ${a('cut')} FROM part GROUP BY 1),
    cand AS (
      SELECT t.${a('dim')}, t.${a('key')}, COALESCE(sum(t.${a('v')}) FILTER (WHERE t.${a('tag')} <> 'u'), 0) AS ${a('lower')}, sum(t.${a('v')}) AS ${a('high')},
        sum(p.${a('bound')}) AS ${a('read_bound')}
      FROM top t JOIN part p USING (${a('tag')}, ${a('site')}, ${a('at')}, ${a('dim')}) GROUP BY 1, 2
    )
    SELECT c.${a('dim')}, c.${a('key')}, c.${a('lower')}, c.${a('high')} + d.${a('bound')} - c.${a('read_bound')} AS ${a('upper')}, d.${a('bound')}, d.${a('cut')}
    FROM cand c JOIN dim d USING (${a('dim')})`)
  const found = new Map<StatsDimension, { bound: number; candidates: DimensionCandidates['candidates'][number][]; cut: boolean }>()
  for (const row of rows as Array<{ bound: number; cut: boolean; dim: StatsDimension; key: null | string; lower: number; upper: number }>) {
    const entry = found.get(row.dim) ?? found.set(row.dim, { bound: Number(row.bound), candidates: [], cut: row.cut }).get(row.dim)!
    entry.candidates.push({ key: row.key, lower: Number(row.lower), upper: Number(row.upper) })
  }
  // A dimension without a row in the range has no keys at all: nothing to rank, exactly.
  for (const dimension of dimensions) if (!found.has(dimension)) found.set(dimension, { bound: 0, candidates: [], cut: false })
  return found
}
