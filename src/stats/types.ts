/**
 * The contract of the stats query service: what the REST endpoints, the admin views, the
 * exports and the CLI ask for and get back. One service (`payload.analytics.stats`)
 * implements it; nothing else turns a stats request into SQL.
 *
 * Days are UTC days, written `YYYY-MM-DD`; every result says which time zone it used.
 */
import type { PayloadRequest } from 'payload'

import type { Kpis } from '../core/kpis.js'

/** Named date ranges; `custom` needs `from` and `to`. Month/year are "to date". */
export const NAMED_RANGES = ['today', '7d', '30d', 'month', 'year', 'custom'] as const
export type NamedRange = (typeof NAMED_RANGES)[number]

export const INTERVALS = ['day', 'week', 'month'] as const
export type Interval = (typeof INTERVALS)[number]

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

export type SiteId = number | string

/** A stats request, after validation. `siteIds` omitted: every site the caller may read. */
export interface StatsQuery {
  breakdowns?: Breakdown[]
  /** Inclusive, `YYYY-MM-DD`; required with `range: 'custom'`. */
  from?: string
  interval?: Interval
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
  siteSeriesInterval?: Interval
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

/** One point of the time series: the period starting at `date` (zero-filled when empty). */
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

export interface StatsSite {
  domain: string
  id: SiteId
  name?: string
}

export interface StatsResult {
  breakdowns: Partial<Record<Breakdown, BreakdownRow[]>>
  interval: Interval
  /** With `kpis: true` only: growth, trend, 7-day moving average and month projection of the daily series. */
  kpis?: Kpis
  range: ResolvedRange
  series: SeriesPoint[]
  /** One row per site (site comparison), in the order of `sites`. */
  sites: Array<{ series?: SeriesPoint[]; site: StatsSite; totals: StatsTotals }>
  timeZone: 'UTC'
  /** Across all the sites of the request. */
  totals: StatsTotals
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

export interface CompareResult {
  interval: Interval
  previousRange: ResolvedRange
  range: ResolvedRange
  /** Aligned position by position (day 1 with day 1, …). */
  series: Array<{ current: SeriesPoint; previous: SeriesPoint }>
  sites: StatsSite[]
  timeZone: 'UTC'
  totals: Record<StatsTotalName, TotalChange>
}

export interface RealtimeResult {
  generatedAt: string
  pageviews: number
  topPages: Array<{ key: string; pageviews: number; visitors: number }>
  visitors: number
  windowMinutes: number
}

/** One row of the portfolio export (month-to-date / year-to-date files). */
export interface ExportRow {
  /** Seconds per visit. */
  avgVisitDuration: number
  bounceRate: number
  domain: string
  /** `YYYY-MM-DD..YYYY-MM-DD` */
  period: string
  pageviews: number
  /** Percent, the average over (page, visit) of the deepest scroll reached. */
  scrollDepth: number
  siteId: SiteId
  /** Seconds, engaged time per (page, visit) that engaged. */
  timeOnPage: number
  viewsPerVisit: number
  visitors: number
  visits: number
}

export interface StatsService {
  compareStats(query: CompareQuery, caller: StatsCaller): Promise<CompareResult>
  /** Streams rows site by site; never holds the whole portfolio in memory. */
  exportRows(query: StatsQuery, caller: StatsCaller): AsyncIterable<ExportRow>
  /** `limit`: top pages (default 10). `windowMinutes`: the last 30 minutes by default, up to 12 hours (from code only: the alerts). */
  getRealtime(query: { limit?: number; siteIds?: SiteId[]; windowMinutes?: number }, caller: StatsCaller): Promise<RealtimeResult>
  getStats(query: StatsQuery, caller: StatsCaller): Promise<StatsResult>
  /** Sites the caller may read (the site switcher's list). */
  readableSites(caller: StatsCaller): Promise<StatsSite[]>
}
