/**
 * A listed property's values from the rollups: the `prop` rows (key `plan:pro`, `propRowKey`)
 * of some sites, each from its own first day, summed per value over the daily and monthly rows.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery } from './db.js'

import { propRowPrefix } from '../core/siteRollups.js'
import { drizzleOf, sql } from './db.js'
import { rollupRangeParts } from './rollupRange.js'

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
  const parts = [...bySince].flatMap(([from, ids]) =>
    rollupRangeParts(payload, cfg, from, to, (table: CollectionTable, inRange: SqlQuery) =>
      sql`SELECT substr(r.${table.id('key')}, ${prefix.length + 1}) AS ${a('value')}, r.${table.id('events')}::float8 AS ${a('events')},
          r.${table.id('pageviews')}::float8 AS ${a('pageviews')}, r.${table.id('visitors')}::float8 AS ${a('visitors')}, r.${table.id('visits')}::float8 AS ${a('visits')}
        FROM ${table.ref} r
        WHERE r.${table.id('site')} IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
          AND r.${table.id('dimension')} = ${'prop'}::${table.enumType('dimension')} AND starts_with(r.${table.id('key')}, ${prefix}) AND ${inRange}`,
    ),
  )
  const { rows } = await drizzleOf(payload).execute(sql`
    SELECT u.${a('value')}, sum(u.${a('events')})::float8 AS ${a('events')}, sum(u.${a('pageviews')})::float8 AS ${a('pageviews')},
      sum(u.${a('visitors')})::float8 AS ${a('visitors')}, sum(u.${a('visits')})::float8 AS ${a('visits')}
    FROM (${sql.join(parts, sql` UNION ALL `)}) u GROUP BY u.${a('value')}
    ORDER BY ${a('visitors')} DESC, ${a('events')} DESC, u.${a('value')} COLLATE "C" LIMIT ${limit}`)
  return (rows as Array<Record<string, number | string>>).map((row) => ({
    events: Number(row.events),
    key: String(row.value),
    pageviews: Number(row.pageviews),
    visitors: Number(row.visitors),
    visits: Number(row.visits),
  }))
}
