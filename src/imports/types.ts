/**
 * The shapes of imported data: what an importer (Plausible CSV, Plausible Stats API, Matomo)
 * hands to the storage API in `store.ts`. Pure types and constants (no Payload).
 */

/** Where an import's figures came from. */
export const IMPORT_SOURCES = ['plausible-csv', 'plausible-api', 'matomo'] as const
export type ImportSource = (typeof IMPORT_SOURCES)[number]

export const IMPORT_STATUSES = ['running', 'done', 'failed'] as const
export type ImportStatus = (typeof IMPORT_STATUSES)[number]

/**
 * Additive figures of one key (or of the day) — totals, never averages, as Plausible's
 * imported_* tables hold them. Every field is optional (missing = 0).
 */
export interface ImportedMetrics {
  /** Visits that viewed one page only. */
  bounces?: number
  /** Events (custom events: that event's count). */
  events?: number
  pageviews?: number
  /** Sum over visits of the deepest scroll in percent (Plausible `total_scroll_depth`). */
  scrollDepth?: number
  /** Visits that reported a scroll depth (Plausible `total_scroll_depth_visits`). */
  scrollDepthVisits?: number
  /** Engaged seconds on the page, summed (Plausible `total_time_on_page`). */
  timeOnPage?: number
  /** Visits with engaged time (Plausible `total_time_on_page_visits`). */
  timeOnPageVisits?: number
  /** Seconds of all visits, summed (Plausible `visit_duration`). */
  visitDuration?: number
  visitors?: number
  /** Visits (entry pages: entrances; exit pages: exits). */
  visits?: number
}

/** One breakdown row: its key (a path, a source, a country code…) and its figures. */
export interface ImportedRow extends ImportedMetrics {
  key: string
}

/** The breakdowns an imported day may carry, named after the figures they hold. */
export const IMPORTED_BREAKDOWNS = {
  browsers: 'browser',
  countries: 'country',
  customEvents: 'event',
  devices: 'device',
  entryPages: 'entryPage',
  exitPages: 'exitPage',
  operatingSystems: 'os',
  pages: 'page',
  sources: 'source',
  utmCampaigns: 'utmCampaign',
  utmContents: 'utmContent',
  utmMediums: 'utmMedium',
  utmSources: 'utmSource',
  utmTerms: 'utmTerm',
} as const

export type ImportedBreakdown = keyof typeof IMPORTED_BREAKDOWNS

/**
 * One local day of a site, as an importer read it. `totals` are the day's figures
 * (Plausible `imported_visitors`); each breakdown is optional. Keys: `sources` '' is
 * Direct / None; `countries` ISO 3166-1 alpha-2 (upper case); `devices` desktop, mobile,
 * tablet or other; `customEvents` the event name; pages as paths.
 */
export type ImportedDay = { date: string; totals?: ImportedMetrics } & Partial<Record<ImportedBreakdown, ImportedRow[]>>
