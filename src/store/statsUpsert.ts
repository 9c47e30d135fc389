import type { CollectionTable, SqlQuery } from './db.js'

import { ROLLUP_METRICS } from '../core/dimensions.js'
import { sql } from './db.js'

/**
 * The column lists of an absolute-value upsert into a stats table (daily or monthly): rows
 * keyed (site, period, dimension, key), the tenant and every metric overwritten — but only
 * where a value changed, so unchanged rows leave no dead tuple and no WAL.
 * Used as `INSERT INTO … AS o (insertColumns) … ON CONFLICT … DO UPDATE SET updates WHERE changed`.
 */
export function statsUpsertColumns(table: CollectionTable, periodField: 'date' | 'month', tenancy: boolean): { changed: SqlQuery; insertColumns: SqlQuery; updates: SqlQuery } {
  const metricColumns = ROLLUP_METRICS.map((metric) => table.id(metric))
  const tenantColumns = tenancy ? [table.id('tenant')] : []
  const updatedColumns = [...tenantColumns, ...metricColumns]
  const list = (prefix: SqlQuery) => sql.join(updatedColumns.map((column) => sql`${prefix}${column}`), sql`, `)
  return {
    changed: sql`(${list(sql`o.`)}) IS DISTINCT FROM (${list(sql`EXCLUDED.`)})`,
    insertColumns: sql.join([table.id('site'), ...tenantColumns, table.id(periodField), table.id('dimension'), table.id('key'), ...metricColumns], sql`, `),
    updates: sql.join(updatedColumns.map((column) => sql`${column} = EXCLUDED.${column}`), sql`, `),
  }
}
