/**
 * Revenue from the rollups: the `revenue` rows (per currency) and `eventRevenue` rows (per
 * custom event and currency) — or `goalRevenue` rows (per goal and currency) — of some sites
 * over a range: the partial months' daily rows and the whole months' monthly rows
 * (`rollupRange.ts`). Sums stay `numeric` and are
 * answered as text: exact whatever the range.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { drizzleOf, sql } from './db.js'
import { rangeParts, rollupTables } from './rollupRange.js'

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
  const parts = rangeParts(rollupTables(payload, cfg), {
    dimension: (table) => sql`IN (${sql.join(
      dimensions.map((dimension) => sql`${dimension}::${table.enumType('dimension')}`),
      sql`, `,
    )})`,
    fields: { dimension: 'text', key: null, revenue: null, site: 'text' },
    from,
    siteIds,
    to,
  })
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
