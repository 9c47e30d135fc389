/**
 * The storage API of imported data — the one way any importer (Plausible CSV, Plausible Stats
 * API, Matomo) writes imported figures. Stable; importers call, in this order:
 *
 *   const importId = await startImport(payload, { siteId, source, connection?, fileName?, from?, to?, startedBy? })
 *   const result = await writeImportedDays(payload, { importId, siteId, days, fill?, mode? })   // any number of times
 *   await updateImportProgress(payload, importId, { done, total, unit })                          // optional, any time
 *   await finishImport(payload, importId, { status: 'done' | 'failed', error?, dayErrors?, skipped?, summary? })
 *
 * `payload` is the Payload instance (`Payload`), ids are the site's and the import's ids
 * (number or string). `days: ImportedDay[]` (`./types.ts`): per local day of the site
 * (`date: 'YYYY-MM-DD'`), `totals` (visitors, visits, pageviews, bounces, visitDuration in
 * seconds — totals, never averages) and any of the breakdowns `sources`, `utmSources`,
 * `utmMediums`, `utmCampaigns`, `utmContents`, `utmTerms`, `pages`, `entryPages`, `exitPages`,
 * `customEvents`, `countries`, `devices`, `browsers`, `operatingSystems`: rows of
 * `{ key, visitors?, visits?, pageviews?, bounces?, visitDuration?, events?, timeOnPage?,
 * timeOnPageVisits?, scrollDepth?, scrollDepthVisits? }`. Rows with the same key are summed.
 *
 * Rules that keep imported and own figures from ever counting twice:
 * - A day given with `totals` is written only if the site has none of its own data for it —
 *   `fill: 'beforeOwnData'` (default): only days before the site's first day of own data;
 *   `fill: 'missingDays'`: any day without own data — and no other import holds it.
 * - A day given without `totals` (a later breakdown file of the same run) is written only if
 *   this import already holds that day's totals.
 * - `mode: 'replace'` (default): each (day, breakdown) given replaces this import's rows of it,
 *   so a resumed run can write a day again. `mode: 'add'`: adds to them (a file read in parts).
 * A day's totals get their engagement sums (time on page, scroll depth) from its `pages` rows.
 * Skipped days come back in `skipped` with the reason; nothing is thrown for them. Bad figures
 * (not a day, a negative or non-finite number, a key over 2,000 characters) throw
 * `ImportDataError` before anything is written. Writes of one site are serialised (an
 * advisory lock), and the stats cache of the site is invalidated after each write.
 */
import type { Payload } from 'payload'

import type { AuditActor } from '../audit.js'
import type { StatsDimension, StatsMetric } from '../core/dimensions.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { ImportedBreakdown, ImportedDay, ImportedMetrics, ImportSource, ImportStatus } from './types.js'

import { getAnalyticsConfig } from '../analyticsConfig.js'
import { isDay, MAX_STORED_COUNTER } from '../core/dailyStats.js'
import { STATS_METRICS } from '../core/dimensions.js'
import { arrayLiteral } from '../store/arrayLiteral.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'
import { forgetImportedSpans } from './spans.js'
import { IMPORTED_BREAKDOWNS } from './types.js'

export type { ImportedDay, ImportedMetrics, ImportedRow, ImportSource } from './types.js'

/** Bad imported figures (or a bad file): the API answers 400 with its message; nothing is stored. */
export class ImportDataError extends Error {
  readonly status = 400
  constructor(message: string) {
    super(message)
    this.name = 'ImportDataError'
  }
}

export type Id = number | string

/** The longest key kept (a page path, a source…). */
export const MAX_IMPORTED_KEY_LENGTH = 2000
/** Rows per INSERT statement (20 bound values each, well under Postgres' 65,535). */
const INSERT_CHUNK = 1000

export type SkipReason = 'noTotals' | 'otherImport' | 'ownData'

export interface WriteImportedDaysInput {
  days: readonly ImportedDay[]
  /** @default 'beforeOwnData' */
  fill?: 'beforeOwnData' | 'missingDays'
  importId: Id
  /** @default 'replace' */
  mode?: 'add' | 'replace'
  siteId: Id
}

export interface WriteImportedDaysResult {
  /** Days whose totals this call wrote. */
  daysWritten: string[]
  /** Rows written (inserted or added to). */
  rowsWritten: number
  skipped: Array<{ day: string; reason: SkipReason }>
}

export interface StartImportInput {
  /** Id of the source connection read (Stats API, Matomo). */
  connection?: Id | null
  fileName?: null | string
  from?: null | string
  siteId: Id
  source: ImportSource
  startedBy?: AuditActor
  to?: null | string
}

export interface FinishImportInput {
  dayErrors?: Array<{ day: string; error: string }>
  error?: null | string
  skipped?: Array<{ day: string; reason: SkipReason }>
  status: Exclude<ImportStatus, 'running'>
  summary?: Record<string, unknown>
}

const dayStamp = (day: string) => `${day}T00:00:00.000Z`

/** Which stats column each imported figure goes to (time on page: seconds → whole milliseconds). */
function statsCounters(metrics: ImportedMetrics): Record<StatsMetric, number> {
  const row = Object.fromEntries(STATS_METRICS.map((name) => [name, 0])) as Record<StatsMetric, number>
  row.visitors = metrics.visitors ?? 0
  row.visits = metrics.visits ?? 0
  row.pageviews = metrics.pageviews ?? 0
  row.bounces = metrics.bounces ?? 0
  row.totalDuration = metrics.visitDuration ?? 0
  row.events = metrics.events ?? 0
  row.engagedMs = Math.round((metrics.timeOnPage ?? 0) * 1000)
  row.engagedVisits = metrics.timeOnPageVisits ?? 0
  row.scrollDepthSum = metrics.scrollDepth ?? 0
  row.scrollVisits = metrics.scrollDepthVisits ?? 0
  return row
}

function checkMetrics(metrics: ImportedMetrics, where: string): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (name === 'key') continue
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_STORED_COUNTER) {
      throw new ImportDataError(`${where}: ${name} must be a number from 0 to ${MAX_STORED_COUNTER} (got ${JSON.stringify(value)})`)
    }
  }
}

interface PlannedRow {
  counters: Record<StatsMetric, number>
  day: string
  dimension: StatsDimension
  key: string
}

/** Validate and merge a call's days into rows, one per (day, dimension, key). Throws before any write. */
export function planRows(days: readonly ImportedDay[]): { rows: Map<string, PlannedRow>; withTotals: Set<string>; withoutTotals: Set<string> } {
  const rows = new Map<string, PlannedRow>()
  const withTotals = new Set<string>()
  const withoutTotals = new Set<string>()
  const add = (day: string, dimension: StatsDimension, key: string, metrics: ImportedMetrics) => {
    const id = `${day}\u0000${dimension}\u0000${key}`
    const counters = statsCounters(metrics)
    const existing = rows.get(id)
    if (!existing) rows.set(id, { counters, day, dimension, key })
    else for (const name of STATS_METRICS) existing.counters[name] += counters[name]
  }
  for (const day of days) {
    if (typeof day?.date !== 'string' || !isDay(day.date)) throw new ImportDataError(`date: not a day (YYYY-MM-DD): ${JSON.stringify(day?.date)}`)
    let customEvents = 0
    for (const name of Object.keys(IMPORTED_BREAKDOWNS) as ImportedBreakdown[]) {
      const list = day[name]
      if (list === undefined) continue
      if (!Array.isArray(list)) throw new ImportDataError(`${day.date} ${name}: a list of rows`)
      for (const row of list) {
        if (typeof row?.key !== 'string') throw new ImportDataError(`${day.date} ${name}: every row needs a text key`)
        if (row.key.length > MAX_IMPORTED_KEY_LENGTH) throw new ImportDataError(`${day.date} ${name}: a key longer than ${MAX_IMPORTED_KEY_LENGTH} characters`)
        checkMetrics(row, `${day.date} ${name} "${row.key}"`)
        if (name === 'customEvents') customEvents += row.events ?? 0
        add(day.date, IMPORTED_BREAKDOWNS[name], row.key, row)
      }
    }
    if (day.totals) {
      checkMetrics(day.totals, `${day.date} totals`)
      // Our `events` total counts every event, pageviews included.
      add(day.date, 'total', '', { ...day.totals, events: day.totals.events ?? (day.totals.pageviews ?? 0) + customEvents })
      withTotals.add(day.date)
    }
  }
  for (const row of rows.values()) if (!withTotals.has(row.day)) withoutTotals.add(row.day)
  return { rows, withTotals, withoutTotals }
}

const tables = (payload: Payload, cfg: SanitizedAnalyticsConfig) => ({
  daily: collectionTable(payload, cfg.slugs.dailyStats),
  imported: collectionTable(payload, cfg.slugs.importedStats),
})

/** Write some days of an import (rules in the header). */
export async function writeImportedDays(payload: Payload, input: WriteImportedDaysInput): Promise<WriteImportedDaysResult> {
  const cfg = getAnalyticsConfig(payload.config)
  const { rows, withTotals, withoutTotals } = planRows(input.days)
  const site = String(input.siteId)
  const importId = String(input.importId)
  const fill = input.fill ?? 'beforeOwnData'
  const mode = input.mode ?? 'replace'
  const { daily: d, imported: t } = tables(payload, cfg)
  const dayOf = (column: ReturnType<typeof t.id>) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
  const stamps = (days: Iterable<string>) => arrayLiteral([...days].map(dayStamp))
  const total = (table: typeof t) => sql`${table.id('dimension')} = ${'total'}::${table.enumType('dimension')}`

  const result = await drizzleOf(payload).transaction(async (tx) => {
    const rowsOf = async (query: ReturnType<typeof sql>) => (await tx.execute(query)).rows as Array<Record<string, unknown>>
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`analytics-import:${site}`}))`)
    const skipped: WriteImportedDaysResult['skipped'] = []
    const allowed = new Set<string>()
    if (withTotals.size) {
      const own = new Set<string>()
      if (fill === 'beforeOwnData') {
        const [first] = await rowsOf(sql`SELECT ${dayOf(d.id('date'))} AS day FROM ${d.ref} WHERE ${d.id('site')} = ${site} AND ${total(d)} ORDER BY ${d.id('date')} LIMIT 1`)
        const firstOwn = first?.day ? String(first.day) : null
        if (firstOwn) for (const day of withTotals) if (day >= firstOwn) own.add(day)
      } else {
        for (const row of await rowsOf(sql`SELECT ${dayOf(d.id('date'))} AS day FROM ${d.ref}
          WHERE ${d.id('site')} = ${site} AND ${total(d)} AND ${d.id('date')} = ANY(${stamps(withTotals)}::timestamptz[])`)) own.add(String(row.day))
      }
      const others = new Set(
        (
          await rowsOf(sql`SELECT DISTINCT ${dayOf(t.id('date'))} AS day FROM ${t.ref}
            WHERE ${t.id('site')} = ${site} AND ${total(t)} AND ${t.id('importId')} <> ${importId} AND ${t.id('date')} = ANY(${stamps(withTotals)}::timestamptz[])`)
        ).map((row) => String(row.day)),
      )
      for (const day of withTotals) {
        if (own.has(day)) skipped.push({ day, reason: 'ownData' })
        else if (others.has(day)) skipped.push({ day, reason: 'otherImport' })
        else allowed.add(day)
      }
    }
    if (withoutTotals.size) {
      const held = new Set(
        (
          await rowsOf(sql`SELECT ${dayOf(t.id('date'))} AS day FROM ${t.ref}
            WHERE ${t.id('importId')} = ${importId} AND ${total(t)} AND ${t.id('date')} = ANY(${stamps(withoutTotals)}::timestamptz[])`)
        ).map((row) => String(row.day)),
      )
      for (const day of withoutTotals) {
        if (held.has(day)) allowed.add(day)
        else skipped.push({ day, reason: 'noTotals' })
      }
    }
    const chosen = [...rows.values()].filter((row) => allowed.has(row.day))
    if (mode === 'replace' && chosen.length) {
      const pairs = new Map<string, { day: string; dimension: string }>()
      for (const row of chosen) pairs.set(`${row.day}|${row.dimension}`, { day: row.day, dimension: row.dimension })
      const list = [...pairs.values()]
      await tx.execute(sql`DELETE FROM ${t.ref} WHERE ${t.id('importId')} = ${importId}
        AND (${t.id('date')}, ${t.id('dimension')}::text) IN (
          SELECT * FROM unnest(${arrayLiteral(list.map((pair) => dayStamp(pair.day)))}::timestamptz[], ${arrayLiteral(list.map((pair) => pair.dimension))}::text[]))`)
    }
    const columns = ['site', 'importId', 'date', 'dimension', 'key', ...STATS_METRICS]
    for (let start = 0; start < chosen.length; start += INSERT_CHUNK) {
      const values = chosen.slice(start, start + INSERT_CHUNK).map(
        (row) =>
          sql`(${site}, ${importId}, ${dayStamp(row.day)}::timestamptz, ${row.dimension}::${t.enumType('dimension')}, ${row.key}, ${sql.join(
            STATS_METRICS.map((name) => sql`${row.counters[name]}`),
            sql`, `,
          )})`,
      )
      await tx.execute(sql`INSERT INTO ${t.ref} (${sql.join(
        columns.map((name) => t.id(name)),
        sql`, `,
      )}) VALUES ${sql.join(values, sql`, `)}
        ON CONFLICT (${t.id('importId')}, ${t.id('date')}, ${t.id('dimension')}, ${t.id('key')}) DO UPDATE SET ${sql.join(
          STATS_METRICS.map((name) => sql`${t.id(name)} = ${t.ref}.${t.id(name)} + excluded.${t.id(name)}`),
          sql`, `,
        )}`)
    }
    // A total row's engagement sums are those of the day's pages (`dailyStats.ts`): set them
    // from this import's page rows of the days written, whichever call brought which.
    const engagementDays = [...new Set(chosen.filter((row) => row.dimension === 'page' || row.dimension === 'total').map((row) => row.day))]
    if (engagementDays.length) {
      const fields = ['scrollDepthSum', 'scrollVisits', 'engagedMs', 'engagedVisits'] as const
      await tx.execute(sql`UPDATE ${t.ref} SET ${sql.join(
        fields.map((name) => sql`${t.id(name)} = pages.${sql.identifier(name)}`),
        sql`, `,
      )}
        FROM (SELECT ${t.id('date')} AS day, ${sql.join(
          fields.map((name) => sql`sum(${t.id(name)}) AS ${sql.identifier(name)}`),
          sql`, `,
        )} FROM ${t.ref}
          WHERE ${t.id('importId')} = ${importId} AND ${t.id('dimension')} = ${'page'}::${t.enumType('dimension')} AND ${t.id('date')} = ANY(${stamps(engagementDays)}::timestamptz[])
          GROUP BY ${t.id('date')}) pages
        WHERE ${t.id('importId')} = ${importId} AND ${total(t)} AND ${t.id('date')} = pages.day`)
    }
    return { daysWritten: [...withTotals].filter((day) => allowed.has(day)).sort(), rowsWritten: chosen.length, skipped: skipped.sort((x, y) => (x.day < y.day ? -1 : 1)) }
  })
  if (result.rowsWritten) await forgetSite(payload, site)
  return result
}

/** After a site's imported rows changed: the spans cache and its cached stats. */
async function forgetSite(payload: Payload, siteId: string): Promise<void> {
  forgetImportedSpans(payload)
  await payload.analytics?.stats.invalidate([siteId])
}

/** Create the run's document (status `running`); returns its id. */
export async function startImport(payload: Payload, input: StartImportInput): Promise<Id> {
  const cfg = getAnalyticsConfig(payload.config)
  const actor = input.startedBy ?? { type: 'system' as const }
  const doc = await payload.create({
    collection: cfg.slugs.imports,
    data: {
      connection: input.connection === undefined || input.connection === null ? null : String(input.connection),
      fileName: input.fileName ?? null,
      from: input.from ? dayStamp(input.from) : null,
      progress: { done: 0, total: 0, unit: null },
      site: input.siteId,
      source: input.source,
      startedAt: new Date().toISOString(),
      startedBy: { type: actor.type, collection: actor.collection ?? null, email: actor.email ?? null, userId: actor.id === undefined ? null : String(actor.id) },
      status: 'running',
      to: input.to ? dayStamp(input.to) : null,
    },
    depth: 0,
    overrideAccess: true,
  } as Parameters<Payload['create']>[0])
  return doc.id
}

/** Record how far a run got (what `unit` counts is the importer's: days, files, bytes). */
export async function updateImportProgress(payload: Payload, importId: Id, progress: { done: number; total: number; unit?: string }): Promise<void> {
  const cfg = getAnalyticsConfig(payload.config)
  await payload.update({
    collection: cfg.slugs.imports,
    data: { progress: { done: progress.done, total: progress.total, unit: progress.unit ?? null } },
    depth: 0,
    id: importId,
    overrideAccess: true,
  } as Parameters<Payload['update']>[0])
}

/** What an import holds: its days with totals, its rows, its first and last day. */
export async function importedFigures(payload: Payload, importId: Id): Promise<{ days: number; firstDay: null | string; lastDay: null | string; rows: number }> {
  const cfg = getAnalyticsConfig(payload.config)
  const t = collectionTable(payload, cfg.slugs.importedStats)
  const [row] = (
    await drizzleOf(payload).execute(sql`SELECT count(*)::int AS rows,
      (count(*) FILTER (WHERE ${t.id('dimension')} = ${'total'}::${t.enumType('dimension')}))::int AS days,
      to_char(min(${t.id('date')}) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS first, to_char(max(${t.id('date')}) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last
      FROM ${t.ref} WHERE ${t.id('importId')} = ${String(importId)}`)
  ).rows as Array<{ days: number; first: null | string; last: null | string; rows: number }>
  return { days: row?.days ?? 0, firstDay: row?.first ?? null, lastDay: row?.last ?? null, rows: row?.rows ?? 0 }
}

/** Close the run: its status, and its figures as stored (days, rows, first and last day). */
export async function finishImport(payload: Payload, importId: Id, input: FinishImportInput): Promise<void> {
  const cfg = getAnalyticsConfig(payload.config)
  const figures = await importedFigures(payload, importId)
  await payload.update({
    collection: cfg.slugs.imports,
    data: {
      dayErrors: input.dayErrors?.length ? input.dayErrors : null,
      daysWritten: figures.days,
      error: input.error ?? null,
      finishedAt: new Date().toISOString(),
      firstDay: figures.firstDay ? dayStamp(figures.firstDay) : null,
      lastDay: figures.lastDay ? dayStamp(figures.lastDay) : null,
      rowsWritten: figures.rows,
      skipped: input.skipped?.length ? summariseSkipped(input.skipped) : null,
      status: input.status,
      summary: input.summary ?? null,
    },
    depth: 0,
    id: importId,
    overrideAccess: true,
  } as Parameters<Payload['update']>[0])
}

/** Skipped days per reason, as first and last day and count (a year of days stays small). */
export function summariseSkipped(skipped: ReadonlyArray<{ day: string; reason: SkipReason }>): Partial<Record<SkipReason, { days: number; first: string; last: string }>> {
  const out: Partial<Record<SkipReason, { days: number; first: string; last: string }>> = {}
  for (const { day, reason } of skipped) {
    const entry = out[reason]
    if (!entry) out[reason] = { days: 1, first: day, last: day }
    else {
      entry.days += 1
      if (day < entry.first) entry.first = day
      if (day > entry.last) entry.last = day
    }
  }
  return out
}

/**
 * Delete an import's rows (its document's afterDelete hook calls this; so may an importer
 * abandoning a run). Returns the rows deleted.
 */
export async function deleteImportedRows(payload: Payload, importId: Id): Promise<number> {
  const cfg = getAnalyticsConfig(payload.config)
  const t = collectionTable(payload, cfg.slugs.importedStats)
  const rows = (
    await drizzleOf(payload).execute(sql`WITH gone AS (DELETE FROM ${t.ref} WHERE ${t.id('importId')} = ${String(importId)} RETURNING ${t.id('site')} AS site)
      SELECT site, count(*)::int AS rows FROM gone GROUP BY site`)
  ).rows as Array<{ rows: number; site: number | string }>
  for (const row of rows) await forgetSite(payload, String(row.site))
  return rows.reduce((sum, row) => sum + row.rows, 0)
}
