/**
 * Search Console rows in `analytics-search-stats`: a (site, day) is replaced as a whole in
 * one transaction under an advisory lock of that pair, so a re-fetch (a partial day, a
 * restarted run, two instances) leaves exactly one copy; and read back as sums for a range.
 */
import type { Payload } from 'payload'

import type { SearchRow } from '../core/searchStats.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { searchRatios } from '../core/searchStats.js'
import { collectionTable, drizzleOf, sql } from './db.js'

type Id = number | string

export interface SearchDayWrite {
  day: string
  final: boolean
  rows: readonly SearchRow[]
  siteId: Id
  tenantId: Id | null
}

export async function replaceSearchDay(payload: Payload, cfg: SanitizedAnalyticsConfig, write: SearchDayWrite): Promise<number> {
  const table = collectionTable(payload, cfg.slugs.searchStats)
  const tenancy = table.has('tenant')
  const c = table.id
  await drizzleOf(payload).transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${table.name}:${String(write.siteId)}:${write.day}`}, 0))`)
    await tx.execute(sql`DELETE FROM ${table.ref} WHERE ${c('site')} = ${write.siteId} AND ${c('date')} = ${write.day}::date`)
    if (write.rows.length === 0) return
    const values = write.rows.map(
      (row) =>
        sql`(${write.siteId}, ${tenancy ? sql`${write.tenantId}, ` : sql``}${write.day}::date, ${row.dimension}::${table.enumType('dimension')}, ${row.key}, ${row.clicks}, ${row.impressions}, ${row.positionSum}, ${write.final})`,
    )
    await tx.execute(sql`
      INSERT INTO ${table.ref} (${c('site')}, ${tenancy ? sql`${c('tenant')}, ` : sql``}${c('date')}, ${c('dimension')}, ${c('key')}, ${c('clicks')}, ${c('impressions')}, ${c('positionSum')}, ${c('final')})
      VALUES ${sql.join(values, sql`, `)}`)
  })
  return write.rows.length
}

/** Days of a site in [from, to] already stored as final (Google's data was complete): not fetched again. */
export async function finalSearchDays(payload: Payload, cfg: SanitizedAnalyticsConfig, siteId: Id, from: string, to: string): Promise<Set<string>> {
  const table = collectionTable(payload, cfg.slugs.searchStats)
  const c = table.id
  const result = await drizzleOf(payload).execute(sql`
    SELECT to_char(${c('date')}, 'YYYY-MM-DD') AS day FROM ${table.ref}
    WHERE ${c('site')} = ${siteId} AND ${c('dimension')} = 'total' AND ${c('final')} AND ${c('date')} BETWEEN ${from}::date AND ${to}::date`)
  return new Set((result.rows as Array<{ day: string }>).map((row) => row.day))
}

export interface SearchFigures {
  clicks: number
  ctr: number
  impressions: number
  position: number
}

export interface SearchReport {
  /** Per day with data: the site's totals. */
  series: Array<SearchFigures & { date: string }>
  top: { countries: Array<SearchFigures & { key: string }>; devices: Array<SearchFigures & { key: string }>; pages: Array<SearchFigures & { key: string }>; queries: Array<SearchFigures & { key: string }> }
  totals: SearchFigures
}

const figures = (row: { clicks: unknown; impressions: unknown; position_sum: unknown }): SearchFigures => {
  const sums = { clicks: Number(row.clicks), impressions: Number(row.impressions), positionSum: Number(row.position_sum) }
  return { clicks: sums.clicks, impressions: sums.impressions, ...searchRatios(sums) }
}

/** A site's search figures over [from, to]: totals, the daily series and the top rows of each breakdown. */
export async function readSearch(payload: Payload, cfg: SanitizedAnalyticsConfig, query: { from: string; limit: number; siteId: Id; to: string }): Promise<SearchReport> {
  const table = collectionTable(payload, cfg.slugs.searchStats)
  const c = table.id
  const db = drizzleOf(payload)
  const inRange = sql`${c('site')} = ${query.siteId} AND ${c('date')} BETWEEN ${query.from}::date AND ${query.to}::date`
  const sums = sql`sum(${c('clicks')}) AS clicks, sum(${c('impressions')}) AS impressions, sum(${c('positionSum')}) AS position_sum`
  const series = await db.execute(sql`
    SELECT to_char(${c('date')}, 'YYYY-MM-DD') AS date, ${sums} FROM ${table.ref}
    WHERE ${inRange} AND ${c('dimension')} = 'total' GROUP BY ${c('date')} ORDER BY ${c('date')}`)
  const breakdown = await db.execute(sql`
    SELECT dimension, key, clicks, impressions, position_sum FROM (
      SELECT ${c('dimension')}::text AS dimension, ${c('key')} AS key, ${sums},
        row_number() OVER (PARTITION BY ${c('dimension')} ORDER BY sum(${c('clicks')}) DESC, sum(${c('impressions')}) DESC, ${c('key')}) AS rank
      FROM ${table.ref} WHERE ${inRange} AND ${c('dimension')} <> 'total' GROUP BY ${c('dimension')}, ${c('key')}
    ) ranked WHERE rank <= ${query.limit} ORDER BY dimension, rank`)
  const seriesRows = (series.rows as Array<{ clicks: unknown; date: string; impressions: unknown; position_sum: unknown }>).map((row) => ({ date: row.date, ...figures(row) }))
  const total = seriesRows.reduce(
    (sum, row) => ({ clicks: sum.clicks + row.clicks, impressions: sum.impressions + row.impressions, positionSum: sum.positionSum + row.position * row.impressions }),
    { clicks: 0, impressions: 0, positionSum: 0 },
  )
  const top: SearchReport['top'] = { countries: [], devices: [], pages: [], queries: [] }
  const listOf = { country: top.countries, device: top.devices, page: top.pages, query: top.queries } as Record<string, Array<SearchFigures & { key: string }>>
  for (const row of breakdown.rows as Array<{ clicks: unknown; dimension: string; impressions: unknown; key: string; position_sum: unknown }>) {
    listOf[row.dimension]?.push({ key: row.key, ...figures(row) })
  }
  return { series: seriesRows, top, totals: { clicks: total.clicks, impressions: total.impressions, ...searchRatios(total) } }
}
