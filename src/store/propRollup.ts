/**
 * A listed property's values from the rollups: the `prop` rows (key `plan:pro`, `propRowKey`)
 * of some sites, each from its own first day, summed per value over the daily and monthly rows.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { propRowPrefix } from '../core/siteRollups.js'
import { drizzleOf, sql } from './db.js'
import { rangeParts, rollupTables } from './rollupRange.js'

const a = (alias: string) => sql.identifier(alias)

/** A property value's figures, summed (visitors and visits per day, as every visitor figure). */
export interface PropValueRow {
  events: number
  key: string
  pageviews: number
  visitors: number
  visits: number
}

/** The values of property `key` among the sites' rows, each site read from its `from` to `to`; ranked by visitors, then events, at most `limit`. */
export async function rolledUpPropValues(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  key: string,
  to: string,
  sites: ReadonlyArray<{ from: string; siteId: number | string }>,
  limit: number,
): Promise<PropValueRow[]> {
  const bySince = new Map<string, string[]>()
  for (const site of sites) if (site.from <= to) (bySince.get(site.from) ?? bySince.set(site.from, []).get(site.from)!).push(String(site.siteId))
  if (bySince.size === 0) return []
  const prefix = propRowPrefix(key)
  const tables = rollupTables(payload, cfg)
  const parts = [...bySince].flatMap(([from, siteIds]) =>
    rangeParts(tables, {
      dimension: (table) => sql`= ${'prop'}::${table.enumType('dimension')}`,
      fields: { events: 'float8', key: null, pageviews: 'float8', visitors: 'float8', visits: 'float8' },
      from,
      siteIds,
      to,
      where: (table) => sql`starts_with(r.${table.id('key')}, ${prefix})`,
    }),
  )
  const { rows } = await drizzleOf(payload).execute(sql`
    SELECT u.${a('value')}, sum(u.${a('events')})::float8 AS ${a('events')}, sum(u.${a('pageviews')})::float8 AS ${a('pageviews')},
      sum(u.${a('visitors')})::float8 AS ${a('visitors')}, sum(u.${a('visits')})::float8 AS ${a('visits')}
    FROM (SELECT substr(p.${a('key')}, ${prefix.length + 1}) AS ${a('value')}, p.* FROM (${sql.join(parts, sql` UNION ALL `)}) p) u GROUP BY u.${a('value')}
    ORDER BY ${a('visitors')} DESC, ${a('events')} DESC, u.${a('value')} COLLATE "C" LIMIT ${limit}`)
  return (rows as Array<Record<string, number | string>>).map((row) => ({
    events: Number(row.events),
    key: String(row.value),
    pageviews: Number(row.pageviews),
    visitors: Number(row.visitors),
    visits: Number(row.visits),
  }))
}
