/**
 * The prototype's exactness check: its daily rows of a (site, day) against the product's full
 * recompute of the same raw events (`analytics_daily_stats`), every dimension and metric
 * (revenue included; numeric equality; the tenant is left out — the bench runs without tenancy).
 */
import type { Payload } from 'payload'

import type { CollectionTable } from '../../src/store/db.js'

import { ROLLUP_METRICS } from '../../src/core/dimensions.js'
import { drizzleOf, sql } from '../../src/store/db.js'
import { INC, metricColumn } from './stateTables.js'

export interface RowsComparison {
  /** Rows per dimension in the product's table. */
  dimensions: Record<string, number>
  mismatches: number
  ok: boolean
  rows: number
  sample: string[]
}

export async function compareRows(payload: Payload, stats: CollectionTable, siteId: number | string, day: string): Promise<RowsComparison> {
  const columns = (alias: string, product: boolean) =>
    sql.join(
      ROLLUP_METRICS.map((metric) => sql`${sql.identifier(alias)}.${product ? stats.id(metric) : sql.identifier(metricColumn(metric))}`),
      sql`, `,
    )
  const product = sql`SELECT p.${stats.id('dimension')}::text AS dimension, p.${stats.id('key')} AS key, ${columns('p', true)}
    FROM ${stats.ref} p WHERE p.${stats.id('site')} = ${String(siteId)} AND p.${stats.id('date')} = ${`${day}T00:00:00.000Z`}::timestamptz`
  const prototype = sql`SELECT q.dimension, q.key, ${columns('q', false)} FROM ${INC.daily} q WHERE q.site = ${String(siteId)} AND q.day = ${day}::date`
  const db = drizzleOf(payload)
  const { rows: diff } = await db.execute(sql`
    (SELECT 'only in the recompute' AS side, * FROM (${product} EXCEPT ${prototype}) x)
    UNION ALL (SELECT 'only in the prototype', * FROM (${prototype} EXCEPT ${product}) y)`)
  const { rows: counts } = await db.execute(sql`SELECT dimension, count(*)::int AS n FROM (${product}) z GROUP BY dimension`)
  const dimensions = Object.fromEntries(counts.map((row) => [String(row.dimension), Number(row.n)]))
  return {
    dimensions,
    mismatches: diff.length,
    ok: diff.length === 0,
    rows: Object.values(dimensions).reduce((sum, n) => sum + n, 0),
    sample: diff.slice(0, 4).map((row) => JSON.stringify(row)),
  }
}
