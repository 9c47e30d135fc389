/**
 * How the Matomo and Plausible API connectors write: one import run per (connection, site,
 * run) through the imports' storage API, days fetched one at a time and written as they
 * come (so a stopped run keeps what it finished), with progress. Days some import already
 * holds are not fetched again: a run started again resumes after the last finished day.
 * `fill: 'missingDays'` — a day with the site's own data is never overwritten or doubled.
 */
import type { ImportedDay, ImportSource } from '../imports/store.js'
import type { SiteSyncContext } from './sync.js'

import { finishImport, startImport, updateImportProgress, writeImportedDays } from '../imports/store.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'
import { safeMessage } from './http.js'

/** Days of a site in [from, to] that an import already holds (its totals). */
async function importedDays(context: SiteSyncContext, from: string, to: string): Promise<Set<string>> {
  const t = collectionTable(context.payload, context.cfg.slugs.importedStats)
  const result = await drizzleOf(context.payload).execute(sql`
    SELECT DISTINCT to_char(${t.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM ${t.ref}
    WHERE ${t.id('site')} = ${context.siteId} AND ${t.id('dimension')} = ${'total'}::${t.enumType('dimension')}
      AND ${t.id('date')} >= ${from}::date AND ${t.id('date')} < (${to}::date + 1)`)
  return new Set((result.rows as Array<{ day: string }>).map((row) => row.day))
}

export async function importDays(context: SiteSyncContext, source: ImportSource, fetchDay: (day: string) => Promise<ImportedDay>): Promise<{ days: number; rows: number }> {
  const { days, payload, siteId } = context
  if (days.length === 0) return { days: 0, rows: 0 }
  const held = await importedDays(context, days[0]!, days[days.length - 1]!)
  const due = days.filter((day) => !held.has(day))
  for (const day of days) if (held.has(day)) context.onDay(day)
  if (due.length === 0) return { days: 0, rows: 0 }
  const importId = await startImport(payload, { connection: context.source.id, from: due[0], siteId, source, startedBy: { type: 'system' }, to: due[due.length - 1] })
  let rows = 0
  let written = 0
  const skipped: Array<{ day: string; reason: 'noTotals' | 'otherImport' | 'ownData' }> = []
  try {
    for (const [index, day] of due.entries()) {
      const result = await writeImportedDays(payload, { days: [await fetchDay(day)], fill: 'missingDays', importId, siteId })
      rows += result.rowsWritten
      written += result.daysWritten.length
      skipped.push(...result.skipped)
      await updateImportProgress(payload, importId, { done: index + 1, total: due.length, unit: 'days' })
      context.onDay(day)
    }
    await finishImport(payload, importId, { skipped, status: 'done' })
  } catch (error) {
    await finishImport(payload, importId, { error: safeMessage(error), skipped, status: 'failed' }).catch(() => undefined)
    throw error
  }
  return { days: written, rows }
}
