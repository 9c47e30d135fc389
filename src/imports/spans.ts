/**
 * Which sites hold imported days, and their first and last: the stats queries read the
 * imported rows only for sites whose span meets the asked range, so a site without imports
 * (almost all of them, almost always) keeps its unchanged, fast SQL. One small query
 * (`GROUP BY site` over the imported `total` rows) per process, kept `SPANS_TTL_MS` and
 * forgotten at once when this process writes or deletes imported rows; another instance's
 * import shows here within that time.
 */
import type { Payload } from 'payload'

import { getAnalyticsConfig } from '../analyticsConfig.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'

export interface ImportedSpan {
  /** First imported day, `YYYY-MM-DD`. */
  from: string
  /** Last imported day. */
  to: string
}

export const SPANS_TTL_MS = 60_000

const loaded = new WeakMap<Payload, { at: number; spans: Promise<Map<string, ImportedSpan>> }>()

async function load(payload: Payload): Promise<Map<string, ImportedSpan>> {
  const cfg = getAnalyticsConfig(payload.config)
  const t = collectionTable(payload, cfg.slugs.importedStats)
  const day = (value: ReturnType<typeof sql>) => sql`to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
  const rows = (
    await drizzleOf(payload).execute(sql`SELECT ${t.id('site')} AS site, ${day(sql`min(${t.id('date')})`)} AS "from", ${day(sql`max(${t.id('date')})`)} AS "to"
      FROM ${t.ref} WHERE ${t.id('dimension')} = ${'total'}::${t.enumType('dimension')} GROUP BY ${t.id('site')}`)
  ).rows as Array<{ from: string; site: number | string; to: string }>
  return new Map(rows.map((row) => [String(row.site), { from: row.from, to: row.to }]))
}

/** Every site's imported span (sites without imported days are absent). */
export function importedSpans(payload: Payload, now = Date.now()): Promise<Map<string, ImportedSpan>> {
  const entry = loaded.get(payload)
  if (entry && now - entry.at < SPANS_TTL_MS) return entry.spans
  const spans = load(payload)
  loaded.set(payload, { at: now, spans })
  // A failed read is not kept: the next request tries again.
  spans.catch(() => loaded.delete(payload))
  return spans
}

export function forgetImportedSpans(payload: Payload): void {
  loaded.delete(payload)
}

/** Of some sites, those with imported days within [from, to], and the days that covers. */
export async function importedWithin(payload: Payload, siteIds: readonly string[], from: string, to: string): Promise<{ from: null | string; siteIds: string[]; to: null | string }> {
  const spans = await importedSpans(payload)
  if (spans.size === 0) return { from: null, siteIds: [], to: null }
  let first: null | string = null
  let last: null | string = null
  const ids: string[] = []
  for (const id of siteIds) {
    const span = spans.get(id)
    if (!span || span.to < from || span.from > to) continue
    ids.push(id)
    const start = span.from < from ? from : span.from
    const end = span.to > to ? to : span.to
    if (first === null || start < first) first = start
    if (last === null || end > last) last = end
  }
  return { from: first, siteIds: ids, to: last }
}
