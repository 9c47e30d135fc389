/**
 * Plausible's CSV export format (Settings → Imports & Exports → Export; the same files its CSV
 * import reads), as its public documentation describes it: a ZIP of `imported_<table>` CSV
 * files (usually `imported_<table>_<YYYYMMDD>_<YYYYMMDD>.csv`), one row per day and key,
 * totals not averages. Pure (no Payload): the tables, their columns and how a row maps to
 * our imported figures; the reader (`plausibleCsv.ts`) and the writer (`plausibleExport.ts`)
 * both follow it.
 */
import type { ImportedBreakdown, ImportedMetrics, ImportedRow } from './types.js'

export const PLAUSIBLE_TABLES = [
  'imported_visitors',
  'imported_sources',
  'imported_pages',
  'imported_entry_pages',
  'imported_exit_pages',
  'imported_custom_events',
  'imported_locations',
  'imported_devices',
  'imported_browsers',
  'imported_operating_systems',
] as const

export type PlausibleTable = (typeof PLAUSIBLE_TABLES)[number]

/** The columns each table is written with (our export) and the ones a file must have (import). */
export const PLAUSIBLE_COLUMNS: Record<PlausibleTable, { columns: readonly string[]; required: readonly string[] }> = {
  imported_browsers: { columns: ['date', 'browser', 'browser_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], required: ['date', 'browser', 'visitors'] },
  imported_custom_events: { columns: ['date', 'name', 'link_url', 'path', 'visitors', 'events'], required: ['date', 'name', 'visitors', 'events'] },
  imported_devices: { columns: ['date', 'device', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], required: ['date', 'device', 'visitors'] },
  imported_entry_pages: { columns: ['date', 'entry_page', 'visitors', 'entrances', 'visit_duration', 'bounces', 'pageviews'], required: ['date', 'entry_page', 'visitors', 'entrances'] },
  imported_exit_pages: { columns: ['date', 'exit_page', 'visitors', 'visit_duration', 'exits', 'bounces', 'pageviews'], required: ['date', 'exit_page', 'visitors', 'exits'] },
  imported_locations: { columns: ['date', 'country', 'region', 'city', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], required: ['date', 'country', 'visitors'] },
  imported_operating_systems: {
    columns: ['date', 'operating_system', 'operating_system_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    required: ['date', 'operating_system', 'visitors'],
  },
  imported_pages: {
    columns: ['date', 'hostname', 'page', 'visits', 'visitors', 'pageviews', 'total_scroll_depth', 'total_scroll_depth_visits', 'total_time_on_page', 'total_time_on_page_visits'],
    required: ['date', 'page', 'visitors', 'pageviews'],
  },
  imported_sources: {
    columns: ['date', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'pageviews', 'visitors', 'visits', 'visit_duration', 'bounces'],
    required: ['date', 'source', 'visitors'],
  },
  imported_visitors: { columns: ['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], required: ['date', 'visitors', 'pageviews', 'visits'] },
}

/** Longest first: `imported_pages` must not claim `imported_pages_…` of another table. */
const BY_LENGTH = [...PLAUSIBLE_TABLES].sort((x, y) => y.length - x.length)

/** The table a ZIP entry holds (`<table>.csv` or `<table>_<anything>.csv`, in any folder), or null for any other file. */
export function plausibleTableOf(fileName: string): null | PlausibleTable {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1)
  if (!base.endsWith('.csv')) return null
  return BY_LENGTH.find((table) => base === `${table}.csv` || base.startsWith(`${table}_`)) ?? null
}

/** `imported_<table>_<from>_<to>.csv`, the name Plausible gives its files. */
export const plausibleFileName = (table: PlausibleTable, from: string, to: string): string => `${table}_${from.replace(/-/g, '')}_${to.replace(/-/g, '')}.csv`

/** Thrown for a bad cell; the reader adds the file and line. */
export class PlausibleRowError extends Error {}

const NUMBER = /^\d+(?:\.\d+)?$/

function count(row: Record<string, string | undefined>, column: string): number {
  const text = (row[column] ?? '').trim()
  if (text === '') return 0
  if (!NUMBER.test(text)) throw new PlausibleRowError(`${column}: not a number (${JSON.stringify(text.slice(0, 40))})`)
  return Number(text)
}

const DIRECT = new Set(['', 'direct / none', '(none)'])

/** Our device classes from Plausible's screen sizes (it has Laptop; we count it as desktop). */
function deviceKey(value: string): string {
  const device = value.trim().toLowerCase()
  if (device === 'laptop' || device === 'desktop') return 'desktop'
  if (device === 'mobile' || device === 'tablet') return device
  return 'other'
}

const sessionMetrics = (row: Record<string, string | undefined>): ImportedMetrics => ({
  bounces: count(row, 'bounces'),
  pageviews: count(row, 'pageviews'),
  visitDuration: count(row, 'visit_duration'),
  visitors: count(row, 'visitors'),
  visits: count(row, 'visits'),
})

/** What one CSV row adds to its day: the totals, or rows of one or more breakdowns. */
export type PlausibleRowFigures = { breakdowns: Array<[ImportedBreakdown, ImportedRow]>; totals?: ImportedMetrics }

/** One row of a table as our figures. Throws `PlausibleRowError` for a bad cell. */
export function plausibleRowFigures(table: PlausibleTable, row: Record<string, string | undefined>): PlausibleRowFigures {
  const text = (column: string) => row[column] ?? ''
  const one = (breakdown: ImportedBreakdown, key: string, metrics: ImportedMetrics): PlausibleRowFigures => ({ breakdowns: [[breakdown, { key, ...metrics }]] })
  switch (table) {
    case 'imported_visitors':
      return { breakdowns: [], totals: sessionMetrics(row) }
    case 'imported_sources': {
      const metrics = sessionMetrics(row)
      const source = DIRECT.has(text('source').trim().toLowerCase()) ? '' : text('source')
      const breakdowns: PlausibleRowFigures['breakdowns'] = [['sources', { key: source, ...metrics }]]
      const utm: Array<[string, ImportedBreakdown]> = [
        ['utm_source', 'utmSources'],
        ['utm_medium', 'utmMediums'],
        ['utm_campaign', 'utmCampaigns'],
        ['utm_content', 'utmContents'],
        ['utm_term', 'utmTerms'],
      ]
      for (const [column, breakdown] of utm) if (text(column) !== '') breakdowns.push([breakdown, { key: text(column), ...metrics }])
      return { breakdowns }
    }
    case 'imported_pages':
      return one('pages', text('page'), {
        pageviews: count(row, 'pageviews'),
        scrollDepth: count(row, 'total_scroll_depth'),
        scrollDepthVisits: count(row, 'total_scroll_depth_visits'),
        timeOnPage: count(row, 'total_time_on_page'),
        timeOnPageVisits: count(row, 'total_time_on_page_visits'),
        visitors: count(row, 'visitors'),
        visits: count(row, 'visits'),
      })
    case 'imported_entry_pages':
      return one('entryPages', text('entry_page'), { ...sessionMetrics(row), visits: count(row, 'entrances') })
    case 'imported_exit_pages':
      return one('exitPages', text('exit_page'), { ...sessionMetrics(row), visits: count(row, 'exits') })
    case 'imported_custom_events':
      return one('customEvents', text('name'), { events: count(row, 'events'), visitors: count(row, 'visitors') })
    case 'imported_locations': {
      const country = text('country').trim().toUpperCase()
      // Unknown countries (empty, ZZ) are no row of ours: sessions without a country are skipped.
      return /^[A-Z]{2}$/.test(country) && country !== 'ZZ' ? one('countries', country, sessionMetrics(row)) : { breakdowns: [] }
    }
    case 'imported_devices':
      return text('device').trim() === '' ? { breakdowns: [] } : one('devices', deviceKey(text('device')), sessionMetrics(row))
    case 'imported_browsers':
      return text('browser').trim() === '' ? { breakdowns: [] } : one('browsers', text('browser'), sessionMetrics(row))
    case 'imported_operating_systems':
      return text('operating_system').trim() === '' ? { breakdowns: [] } : one('operatingSystems', text('operating_system'), sessionMetrics(row))
  }
}
