/**
 * A site's figures as a Plausible CSV export (the format `plausibleFormat.ts` describes), so
 * they can be imported into Plausible — or into another site here — as they are. Our own
 * daily stats and (unless switched off) its imported days, streamed: a ZIP (yazl) whose
 * files are written one after the other, each read from the database a month at a time.
 *
 * Not in the files: UTM breakdowns (Plausible keys them together with the source, we keep
 * each on its own, so they cannot be written without counting the source's visits twice),
 * regions and cities, browser and OS versions, and the typed totals (leads, forms, …) no
 * Plausible table has.
 */
import type { Payload } from 'payload'

import { PassThrough } from 'node:stream'
import yazl from 'yazl'

import type { StatsDimension, StatsMetric } from '../core/dimensions.js'
import type { PlausibleTable } from './plausibleFormat.js'

import { getAnalyticsConfig } from '../analyticsConfig.js'
import { STATS_METRICS } from '../core/dimensions.js'
import { addDays } from '../core/statsRange.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'
import { daysBetween } from '../store/rollupRange.js'
import { PLAUSIBLE_COLUMNS, PLAUSIBLE_TABLES, plausibleFileName } from './plausibleFormat.js'

/** The dimension each file is written from. */
const TABLE_DIMENSIONS: Record<PlausibleTable, StatsDimension> = {
  imported_browsers: 'browser',
  imported_custom_events: 'event',
  imported_devices: 'device',
  imported_entry_pages: 'entryPage',
  imported_exit_pages: 'exitPage',
  imported_locations: 'country',
  imported_operating_systems: 'os',
  imported_pages: 'page',
  imported_sources: 'source',
  imported_visitors: 'total',
}

type StatsRow = { day: string; key: string } & Record<StatsMetric, number>

const DEVICE_NAMES: Record<string, string> = { desktop: 'Desktop', mobile: 'Mobile', other: 'Other', tablet: 'Tablet' }

/** One file's record of one row: the table's columns in order. */
function record(table: PlausibleTable, row: StatsRow, hostname: string): Array<number | string> {
  const session = { bounces: row.bounces, pageviews: row.pageviews, visit_duration: Math.round(row.totalDuration), visitors: row.visitors, visits: row.visits }
  const values = ((): Record<string, number | string> => {
    switch (table) {
      case 'imported_visitors':
        return session
      case 'imported_sources':
        return { ...session, source: row.key }
      case 'imported_pages':
        return {
          hostname,
          page: row.key,
          pageviews: row.pageviews,
          total_scroll_depth: row.scrollDepthSum,
          total_scroll_depth_visits: row.scrollVisits,
          total_time_on_page: row.engagedMs / 1000,
          total_time_on_page_visits: row.engagedVisits,
          visitors: row.visitors,
          visits: row.visits,
        }
      case 'imported_entry_pages':
        return { ...session, entrances: row.visits, entry_page: row.key }
      case 'imported_exit_pages':
        return { ...session, exit_page: row.key, exits: row.visits }
      case 'imported_custom_events':
        return { events: row.events, name: row.key, visitors: row.visitors }
      case 'imported_locations':
        return { ...session, country: row.key }
      case 'imported_devices':
        return { ...session, device: DEVICE_NAMES[row.key] ?? row.key }
      case 'imported_browsers':
        return { ...session, browser: row.key }
      case 'imported_operating_systems':
        return { ...session, operating_system: row.key }
    }
  })()
  return [row.day, ...PLAUSIBLE_COLUMNS[table].columns.slice(1).map((column) => values[column] ?? '')]
}

/**
 * RFC 4180 as Plausible writes it: quoted when needed, no spreadsheet guard — these files are
 * data to be read back, and a guard would change keys that begin with `=`, `+`, `-` or `@`.
 */
const cell = (value: number | string): string => {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
const line = (cells: ReadonlyArray<number | string>) => `${cells.map(cell).join(',')}\r\n`

export interface PlausibleExportInput {
  /** First day (default: the site's first day of data). */
  from?: string
  /** With imported days. @default true */
  imports?: boolean
  siteId: number | string
  /** Last day (default: the site's last day of data). */
  to?: string
}

export interface PlausibleExport {
  /** `<domain>_plausible_<from>_<to>.zip`, or null when the site has no data. */
  fileName: string
  from: null | string
  /** The ZIP, produced as it is read. */
  stream: NodeJS.ReadableStream
  to: null | string
}

/** Months from a day: [from, end of its month] … [start of the last month, to]. */
function* monthsOf(from: string, to: string): Generator<{ from: string; to: string }> {
  let start = from
  while (start <= to) {
    const next = addDays(`${start.slice(0, 7)}-01`, 32).slice(0, 7)
    const end = addDays(`${next}-01`, -1)
    yield { from: start, to: end < to ? end : to }
    start = `${next}-01`
  }
}

export async function exportPlausibleZip(payload: Payload, input: PlausibleExportInput): Promise<PlausibleExport> {
  const cfg = getAnalyticsConfig(payload.config)
  const site = String(input.siteId)
  const daily = collectionTable(payload, cfg.slugs.dailyStats)
  const imported = collectionTable(payload, cfg.slugs.importedStats)
  const tables = input.imports === false ? [daily] : [daily, imported]
  const db = drizzleOf(payload)
  const dayOf = (t: typeof daily) => sql`to_char(${t.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`

  const span = (
    await db.execute(sql`SELECT min(day) AS "from", max(day) AS "to" FROM (${sql.join(
      tables.map((t) => sql`SELECT ${dayOf(t)} AS day FROM ${t.ref} WHERE ${t.id('site')} = ${site} AND ${t.id('dimension')} = ${'total'}::${t.enumType('dimension')}`),
      sql` UNION ALL `,
    )}) u`)
  ).rows[0] as { from: null | string; to: null | string } | undefined
  const from = input.from ?? span?.from ?? null
  const to = input.to ?? span?.to ?? null
  const { docs } = await payload.find({ collection: cfg.slugs.sites, depth: 0, limit: 1, overrideAccess: true, pagination: false, where: { id: { equals: input.siteId } } })
  const domain = String((docs[0] as Record<string, unknown> | undefined)?.[cfg.sites.domainField] ?? site)

  const zip = new yazl.ZipFile()
  const rowsOf = async (dimension: StatsDimension, range: { from: string; to: string }): Promise<StatsRow[]> => {
    const parts = tables.map(
      (t) => sql`SELECT ${dayOf(t)} AS day, ${t.id('key')} AS key, ${sql.join(
        STATS_METRICS.map((name) => sql`${t.id(name)}::float8 AS ${sql.identifier(name)}`),
        sql`, `,
      )} FROM ${t.ref} WHERE ${t.id('site')} = ${site} AND ${t.id('dimension')} = ${dimension}::${t.enumType('dimension')}
        AND ${daysBetween(t.id('date'), range.from, range.to)}`,
    )
    const rows = (await db.execute(sql`SELECT * FROM (${sql.join(parts, sql` UNION ALL `)}) u ORDER BY u.day, u.key COLLATE "C"`)).rows as Array<Record<string, number | string>>
    return rows.map((row) => ({ ...(Object.fromEntries(STATS_METRICS.map((name) => [name, Number(row[name] ?? 0)])) as Record<StatsMetric, number>), day: String(row.day), key: String(row.key ?? '') }))
  }

  const write = async () => {
    for (const table of PLAUSIBLE_TABLES) {
      const out = new PassThrough()
      zip.addReadStream(out, from && to ? plausibleFileName(table, from, to) : `${table}.csv`)
      const push = async (text: string) => {
        if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve))
      }
      await push(line(PLAUSIBLE_COLUMNS[table].columns))
      if (from && to) {
        for (const month of monthsOf(from, to)) {
          for (const row of await rowsOf(TABLE_DIMENSIONS[table], month)) await push(line(record(table, row, domain)))
        }
      }
      out.end()
    }
    zip.end()
  }
  write().catch((error: unknown) => (zip.outputStream as PassThrough).destroy(error instanceof Error ? error : new Error(String(error))))
  const safeDomain = domain.replace(/[^\w.-]+/g, '_')
  return { fileName: `${safeDomain}_plausible_${from ?? 'empty'}_${to ?? 'empty'}.zip`, from, stream: zip.outputStream, to }
}
