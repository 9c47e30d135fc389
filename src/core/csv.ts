/**
 * CSV lines as RFC 4180 writes them (comma-separated, CRLF line ends, quotes doubled), and
 * safe to open in a spreadsheet (OWASP's advice against CSV injection, widened):
 * - a field is quoted when it holds a comma, a semicolon, a tab, a quote, CR or LF: Excel in
 *   locales whose list separator is `;` (German, French, …) splits unquoted fields there, so
 *   a domain like `x;=1+2;` would otherwise become a cell of its own starting with `=`;
 * - a text cell whose first character that is not white space is a formula sign — `=`, `+`,
 *   `-`, `@`, or their full-width forms `＝＋－＠`, which spreadsheets fold to ASCII — gets a
 *   leading apostrophe, as does one starting with a tab, CR or LF: spreadsheets trim leading
 *   white space before they look for a formula.
 * Numbers are written as numbers and never guarded.
 */
import type { ExportRow } from '../stats/types.js'

export type CsvCell = null | number | string | undefined

const NEEDS_QUOTES = /[",;\t\r\n]/
/** `\s` covers the Unicode spaces too (NBSP, U+3000), which a spreadsheet may trim as well. */
const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/

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
 * visit to two decimals), so files made from Plausible and from this plugin line up;
 * `imported_days` names the days whose figures came from an import (`from..to`, or empty).
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
  'time_on_page',
  'scroll_depth',
  'site_id',
  'time_zone',
  'imported_days',
] as const

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** An export row as the file shows it (also the JSON export's object). */
export function exportRecord(row: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], number | string> {
  return {
    bounce_rate: Math.round(row.bounceRate * 100),
    imported_days: row.importedDays,
    pageviews: row.pageviews,
    period: row.period,
    site: row.domain,
    site_id: String(row.siteId),
    time_zone: row.timeZone,
    views_per_visit: round(row.viewsPerVisit, 2),
    // Seconds and percent, as visit_duration and bounce_rate.
    time_on_page: Math.round(row.timeOnPage),
    scroll_depth: Math.round(row.scrollDepth),
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
