/**
 * The contract of the stats query service: what the REST endpoints, the admin views, the
 * exports and the CLI ask for and get back. One service (`payload.analytics.stats`)
 * implements it; nothing else turns a stats request into SQL.
 *
 * Days are local days of the sites' time zones, written `YYYY-MM-DD` (with several sites in
 * different zones, day D is the sum of each site's own day D); every result says which
 * zone(s) it used.
 */
import type { PayloadRequest } from 'payload'

import type { StatsDimension } from '../core/dimensions.js'
import type { StatsFilter } from '../core/filters.js'
import type { Kpis } from '../core/kpis.js'
import type { RevenueSum } from '../core/revenue.js'

/** Named date ranges; `custom` needs `from` and `to`. Month/year are "to date". */
export const NAMED_RANGES = ['today', '7d', '30d', 'month', 'year', 'custom'] as const
export type NamedRange = (typeof NAMED_RANGES)[number]

/** Series made of whole days (read from the daily rows). */
export const DAY_INTERVALS = ['day', 'week', 'month'] as const
export type DayInterval = (typeof DAY_INTERVALS)[number]

/** `hour`: local clock hours, for ranges of up to `MAX_HOURLY_DAYS` days, read from the raw events and the buffer. */
export const INTERVALS = ['hour', ...DAY_INTERVALS] as const
export type Interval = (typeof INTERVALS)[number]

export const MAX_HOURLY_DAYS = 7

/** Breakdowns a caller may ask for (public names; each maps to one stats dimension). */
export const BREAKDOWNS = [
  'pages',
  'entryPages',
  'exitPages',
  'sources',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'countries',
  'browsers',
  'os',
  'devices',
  'events',
] as const
export type Breakdown = (typeof BREAKDOWNS)[number]

/** The stats dimension behind each public breakdown name. */
export const BREAKDOWN_DIMENSIONS = {
  browsers: 'browser',
  countries: 'country',
  devices: 'device',
  entryPages: 'entryPage',
  events: 'event',
  exitPages: 'exitPage',
  os: 'os',
  pages: 'page',
  sources: 'source',
  utmCampaign: 'utmCampaign',
  utmContent: 'utmContent',
  utmMedium: 'utmMedium',
  utmSource: 'utmSource',
  utmTerm: 'utmTerm',
} as const satisfies Record<Breakdown, StatsDimension>

export type SiteId = number | string

/** A stats request, after validation. `siteIds` omitted: every site the caller may read. */
export interface StatsQuery {
  breakdowns?: Breakdown[]
  /**
   * Only these visits / events (ANDed; see `src/core/filters.ts` and docs/explore.md). A
   * filtered request reads raw events: its range must lie within raw retention.
   */
  filters?: StatsFilter[]
  /** Also `breakdowns.goals`: conversions, converting visitors and conversion rate per goal. */
  goals?: boolean
  /** Also `breakdowns['prop:<key>']` for each key: the values of that custom property. */
  props?: string[]
  /** Also `propKeys`: the custom property keys most used in the range. */
  propKeys?: boolean
  /** Inclusive, `YYYY-MM-DD`; required with `range: 'custom'`. */
  from?: string
  interval?: Interval
  /**
   * Include imported days (`src/imports/`) — the default. `false`: our own figures only.
   * @default true
   */
  imports?: boolean
  /** Also the KPIs (growth, trend, moving average, month projection) in `kpis`. */
  kpis?: boolean
  /** Rows per breakdown, ordered by visitors. */
  limit?: number
  range?: NamedRange
  siteIds?: SiteId[]
  /**
   * Also a series per site at this interval, in `sites[i].series` (the dashboard's
   * sparklines: one call for every site instead of one per site). From code only, not a
   * REST parameter.
   */
  siteSeriesInterval?: DayInterval
  /** Inclusive, `YYYY-MM-DD`. */
  to?: string
}

/** Who asks: a request with its user (access enforced), a share token, or trusted code. */
export type StatsCaller = { overrideAccess: true } | { req: PayloadRequest } | { shareToken: string }

export interface ResolvedRange {
  /** Inclusive first day. */
  from: string
  name: NamedRange
  /** Inclusive last day. */
  to: string
}

export interface StatsTotals {
  aiTokens: number
  automationRuns: number
  /** Seconds, per visit. */
  avgVisitDuration: number
  /** 0..1 — bounces / visits. */
  bounceRate: number
  /** 0..1 — conversions / visitors. */
  conversionRate: number
  /** Events of the site's conversion event types. */
  conversions: number
  exports: number
  forms: number
  leads: number
  pageviews: number
  /** Percent 0..100 — the average over (page, visit) of the deepest scroll reached; 0 without any. */
  scrollDepth: number
  /** Seconds — engaged time ÷ (page, visit) pairs with engaged time; 0 without any. */
  timeOnPage: number
  viewsPerVisit: number
  visitors: number
  visits: number
}

export type StatsTotalName = keyof StatsTotals

/**
 * One point of the time series: the period starting at `date` (zero-filled when empty). By
 * hour, `date` is the local clock hour with its UTC offset (`2026-11-01T01:00-04:00`), so a
 * repeated hour at the end of DST is two points.
 */
export interface SeriesPoint extends StatsTotals {
  date: string
}

export interface BreakdownRow {
  /** Events under this key (the `events` breakdown: that custom event's count). */
  events?: number
  key: string
  /** `pages`: the page's own pageviews; session breakdowns (`entryPages`, `sources`, …): all pageviews of those visits. */
  pageviews: number
  /** Pages only: percent 0..100, the average over visits of the deepest scroll reached on the page; null when none reported one. */
  scrollDepth?: null | number
  /** Pages only: seconds, engaged time on the page ÷ visits that engaged with it; null when none did. */
  timeOnPage?: null | number
  visitors: number
  /** `entryPages` / `exitPages`: the visits that began / ended there. */
  visits: number
}

/**
 * The zone of one site's figures. After a change of zone, the days from `since` on are in
 * `timeZone`; older days (past the raw retention, so not recomputed) stay in
 * `previousTimeZone`.
 */
export interface SiteTimeZone {
  previousTimeZone: null | string
  /** While the days raw events cover are being recomputed in the new zone: site-days done of total. */
  recomputing: null | { done: number; total: number }
  /** The first day in `timeZone` (null: every day). */
  since: null | string
  siteId: SiteId
  timeZone: string
}

export interface StatsSite {
  domain: string
  id: SiteId
  name?: string
}

/**
 * Which days of an answer's range came from imports: the first and last imported day within
 * it and the sites they belong to; null when none did (or `imports: false`). Imported and own
 * days never overlap, so these days are wholly imported figures.
 */
export interface ImportedDays {
  from: string
  siteIds: string[]
  to: string
}

/** One goal over the range (`breakdown=goals`). */
export interface GoalBreakdownRow {
  /** 0..1 — converting visitors ÷ visitors of the range (with filters: of the filtered visitors). */
  conversionRate: number
  /** Converting events (pageviews of a page goal). */
  conversions: number
  /** The goal's name. */
  key: string
  /** Revenue of its converting events, per currency (by currency code; empty without any). */
  revenue: RevenueSum[]
  /**
   * Set when the goal is read from raw events and the range begins before them: the first day
   * its figures cover. Event-name goals without a property come from the daily rollups and
   * cover any range.
   */
  since?: string
  /** Unique converting visitors (per day, summed over the range, as every visitor figure). */
  visitors: number
}

/**
 * Where a `breakdown=prop:<key>` answer was read (`propSources`): `rollups` — the daily `prop`
 * rows of a key the sites' settings list (`rolledUpProps`), for any range; `raw` — raw events
 * (filters, a key not listed, or one listed but not rolled up yet); `mixed` — some sites each way.
 */
export interface PropBreakdownSource {
  /**
   * Set when the range begins before some site's values count: the first day every site's
   * values cover (a key listed later counts from the first day raw events covered then; a key
   * being rolled up now, from the first raw day).
   */
  since?: string
  source: 'mixed' | 'raw' | 'rollups'
}

export interface StatsResult {
  breakdowns: Partial<Record<Breakdown, BreakdownRow[]>> & { goals?: GoalBreakdownRow[] } & { [prop: `prop:${string}`]: BreakdownRow[] }
  /** The filters applied (normalised), empty without any. */
  filters: StatsFilter[]
  /** The range's imported days (totals, series and breakdowns include them), or null. */
  imported: ImportedDays | null
  interval: Interval
  /** With `prop:<key>` breakdowns only: per key, where its values were read from. */
  propSources?: Record<string, PropBreakdownSource>
  /** With `propKeys: true` only: the custom property keys of the range's events, most used first. */
  propKeys?: Array<{ events: number; key: string }>
  /** With `kpis: true` only (and no filters): growth, trend, 7-day moving average and month projection of the daily series. */
  kpis?: Kpis
  range: ResolvedRange
  series: SeriesPoint[]
  /** One row per site (site comparison), in the order of `sites`. */
  sites: Array<{ series?: SeriesPoint[]; site: StatsSite; totals: StatsTotals }>
  /** Each site's zone, in the order of `sites`. */
  siteTimeZones: SiteTimeZone[]
  /** The zone the range was read in: the sites' zone, or with several zones the one whose "today" is latest. */
  timeZone: string
  /** Across all the sites of the request; `revenue` per currency (by currency code; empty without any). */
  totals: StatsTotals & { revenue: RevenueSum[] }
}

export interface TotalChange {
  /** current − previous */
  change: number
  current: number
  previous: number
  /** (current − previous) / previous; null when previous is 0. */
  relativeChange: null | number
}

export interface CompareQuery extends StatsQuery {
  compareFrom?: string
  compareTo?: string
}

/** A total whose previous period could not be read (`CompareResult.previousAvailable` false): no change. */
export interface UnavailableChange {
  change: null
  current: number
  previous: null
  relativeChange: null
}

export interface CompareResult {
  /** The current range's imported days, or null. */
  imported: ImportedDays | null
  filters: StatsFilter[]
  interval: Interval
  /**
   * False when the previous period cannot be answered — under filters (raw events) it begins
   * before the first day raw events cover: the current period is answered, `previous` is null
   * in `series` and `totals`, and `previousUnavailable` says why.
   */
  previousAvailable: boolean
  /** Why the previous period is not available (with `previousAvailable` false). */
  previousUnavailable?: string
  /** The previous range's imported days, or null. */
  previousImported: ImportedDays | null
  previousRange: ResolvedRange
  range: ResolvedRange
  /** Aligned position by position (day 1 with day 1, …); `previous` null when not available. */
  series: Array<{ current: SeriesPoint; previous: null | SeriesPoint }>
  sites: StatsSite[]
  siteTimeZones: SiteTimeZone[]
  timeZone: string
  totals: Record<StatsTotalName, TotalChange | UnavailableChange>
}

export interface RealtimeResult {
  generatedAt: string
  pageviews: number
  topPages: Array<{ key: string; pageviews: number; visitors: number }>
  siteTimeZones: SiteTimeZone[]
  /** The window is the last minutes whatever the zone; the zone says how to read `generatedAt` locally. */
  timeZone: string
  visitors: number
  windowMinutes: number
}

/** One row of the portfolio export (month-to-date / year-to-date files). */
export interface ExportRow {
  /** Seconds per visit. */
  avgVisitDuration: number
  bounceRate: number
  domain: string
  /** `YYYY-MM-DD..YYYY-MM-DD` of the imported days within the period, '' when none. */
  importedDays: string
  /** `YYYY-MM-DD..YYYY-MM-DD` */
  period: string
  pageviews: number
  /** Percent, the average over (page, visit) of the deepest scroll reached. */
  scrollDepth: number
  siteId: SiteId
  /** Seconds, engaged time per (page, visit) that engaged. */
  timeOnPage: number
  /** The site's zone: `period` is its local days (month- or year-to-date of its own calendar). */
  timeZone: string
  viewsPerVisit: number
  visitors: number
  visits: number
}

/** `GET /api/analytics/funnel`: one site's saved funnel (or steps given as goal names) over a range. */
export interface FunnelQuery {
  /** Only the visits these filters keep (as for stats: docs/explore.md, "Funnels"). @default none */
  filters?: StatsFilter[]
  /** A saved funnel's name; or `steps`. */
  funnel?: string
  from?: string
  range?: NamedRange
  siteId: SiteId
  /** Goal names, in order (2–8), instead of a saved funnel. */
  steps?: string[]
  to?: string
}

export interface FunnelStep {
  /** Visitors who reached this step ÷ visitors of the previous step (1 for the first step). */
  conversionRate: number
  /** Visitors of the previous step who did not reach this one (0 for the first step). */
  dropOff: number
  /** dropOff ÷ visitors of the previous step (0 for the first step). */
  dropOffRate: number
  /** The step's goal. */
  goal: string
  /** Visitors who reached this step (every earlier one before it, in order, within one visit). */
  visitors: number
}

export interface FunnelResult {
  /** Last step's visitors ÷ first step's visitors (0 when nobody entered). */
  conversionRate: number
  /** The filters applied (normalised), empty without any. */
  filters: StatsFilter[]
  name: null | string
  range: ResolvedRange
  siteId: SiteId
  steps: FunnelStep[]
  timeZone: string
  /** Visitors of the range (every visitor, whether they entered the funnel or not; under filters, the filtered visitors). */
  visitors: number
}

export interface StatsService {
  compareStats(query: CompareQuery, caller: StatsCaller): Promise<CompareResult>
  /** Streams rows site by site; never holds the whole portfolio in memory. */
  exportRows(query: StatsQuery, caller: StatsCaller): AsyncIterable<ExportRow>
  /** `limit`: top pages (default 10). `windowMinutes`: the last 30 minutes by default, up to 12 hours (from code only: the alerts). */
  getRealtime(query: { limit?: number; siteIds?: SiteId[]; windowMinutes?: number }, caller: StatsCaller): Promise<RealtimeResult>
  getStats(query: StatsQuery, caller: StatsCaller): Promise<StatsResult>
  getFunnel(query: FunnelQuery, caller: StatsCaller): Promise<FunnelResult>
  /** Sites the caller may read (the site switcher's list). */
  readableSites(caller: StatsCaller): Promise<StatsSite[]>
}
