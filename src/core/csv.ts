/**
 * CSV lines as RFC 4180 writes them (comma-separated, CRLF line ends, a field quoted when it
 * holds a comma, a quote, CR or LF, quotes doubled), and safe to open in a spreadsheet: a
 * text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first)
 * gets a leading apostrophe (OWASP's advice against CSV injection). Numbers are written
 * as numbers and never guarded.
 */
import type { ExportRow } from '../stats/types.js'

export type CsvCell = null | number | string | undefined

const NEEDS_QUOTES = /[",\r\n]/
const FORMULA_START = /^[=+\-@\t\r]/

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  const safe = FORMULA_START.test(value) ? `'${value}` : value
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** One record, with its CRLF. */
export const csvLine = (cells: readonly CsvCell[]): string => `${cells.map(csvCell).join(',')}\r\n`

/**
 * The portfolio file's columns: the figures Plausible's aggregate API reports, rounded as
 * it rounds them (bounce rate in whole percent, visit duration in whole seconds, views per
 * visit to two decimals), so files made from Plausible and from this plugin line up.
 */
export const EXPORT_COLUMNS = [
  'site',
  'period',
  'visitors',
  'visits',
  'pageviews',
  'bounce_rate',
  'visit_duration',
  'views_per_visit',
  'site_id',
  'time_zone',
] as const

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** An export row as the file shows it (also the JSON export's object). */
export function exportRecord(row: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], number | string> {
  return {
    bounce_rate: Math.round(row.bounceRate * 100),
    pageviews: row.pageviews,
    period: row.period,
    site: row.domain,
    site_id: String(row.siteId),
    time_zone: row.timeZone,
    views_per_visit: round(row.viewsPerVisit, 2),
    visit_duration: Math.round(row.avgVisitDuration),
    visitors: row.visitors,
    visits: row.visits,
  }
}

export const exportHeaderLine = (): string => csvLine(EXPORT_COLUMNS)

export const exportCsvLine = (row: ExportRow): string => {
  const record = exportRecord(row)
  return csvLine(EXPORT_COLUMNS.map((column) => record[column]))
}
