/**
 * Revenue from the rollups: the `revenue` rows (per currency) and `eventRevenue` rows (per
 * custom event and currency) — or `goalRevenue` rows (per goal and currency) — of some sites over a range — the partial months' daily rows and
 * the whole months' monthly rows, as `goalRollup.ts` reads goals. Sums stay `numeric` and are
 * answered as text: exact whatever the range.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { drizzleOf, sql } from './db.js'
import { rollupRangeParts } from './rollupRange.js'

const a = (alias: string) => sql.identifier(alias)

export type RevenueDimension = 'eventRevenue' | 'goalRevenue' | 'revenue'

/** One (site, dimension, key)'s revenue over the range: `amount` exact decimal text. */
export interface RolledUpRevenue {
  amount: string
  dimension: RevenueDimension
  /** The currency (`revenue`) or `EUR:Purchase` (`eventRevenue`, `goalRevenue`: `parseEventRevenueKey`). */
  key: string
  siteId: string
}

export async function rolledUpRevenue(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  siteIds: ReadonlyArray<number | string>,
  from: string,
  to: string,
  dimensions: readonly RevenueDimension[] = ['revenue', 'eventRevenue'],
): Promise<RolledUpRevenue[]> {
  if (siteIds.length === 0) return []
  const sites = sql.join(siteIds.map((id) => sql`${String(id)}`), sql`, `)
  const parts = rollupRangeParts(payload, cfg, from, to, (table: CollectionTable, inRange: SqlQuery): SqlQuery =>
    sql`SELECT r.${table.id('site')}::text AS ${a('site')}, r.${table.id('dimension')}::text AS ${a('dimension')}, r.${table.id('key')} AS ${a('key')}, r.${table.id('revenue')} AS ${a('revenue')}
      FROM ${table.ref} r
      WHERE r.${table.id('site')} IN (${sites})
        AND r.${table.id('dimension')} IN (${sql.join(dimensions.map((dimension) => sql`${dimension}::${table.enumType('dimension')}`), sql`, `)})
        AND ${inRange}`,
  )
  const { rows } = await drizzleOf(payload).execute(sql`
    SELECT u.${a('site')}, u.${a('dimension')}, u.${a('key')}, sum(u.${a('revenue')})::text AS ${a('amount')}
    FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY 1, 2, 3`)
  return (rows as Array<{ amount: string; dimension: RolledUpRevenue['dimension']; key: string; site: string }>).map((row) => ({
    amount: row.amount,
    dimension: row.dimension,
    key: row.key,
    siteId: row.site,
  }))
}
