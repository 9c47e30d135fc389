/**
 * Search Console's daily figures as we keep them. Positions are stored as
 * impression-weighted sums so a range's average position (and CTR) is computed from sums,
 * never by averaging averages.
 */
import { alpha2OfAlpha3 } from './countryAlpha3.js'

export const SEARCH_DIMENSIONS = ['total', 'query', 'page', 'country', 'device'] as const
export type SearchDimension = (typeof SEARCH_DIMENSIONS)[number]

/** Rows kept per breakdown and day: enough for top lists, bounded for a site with millions of queries. */
export const SEARCH_TOP_ROWS = 250

/** Rows of each top list a range's answer has unless asked otherwise (the API's `limit`, the dashboard's panel). */
export const SEARCH_DEFAULT_LIMIT = 10

export interface SearchRow {
  clicks: number
  dimension: SearchDimension
  impressions: number
  key: string
  positionSum: number
}

/** One row of a `searchAnalytics.query` answer. */
export interface GscApiRow {
  clicks: number
  ctr?: number
  impressions: number
  keys?: string[]
  position: number
}

/** Google's device names (DESKTOP, MOBILE, TABLET) as our device keys. */
const deviceKey = (value: string) => value.toLowerCase()

/** Google's country codes are ISO 3166-1 alpha-3, lower case; ours are alpha-2 (unknown: empty). */
const countryKey = (value: string) => alpha2OfAlpha3(value) ?? ''

const KEY_OF: Record<Exclude<SearchDimension, 'total'>, (value: string) => string> = {
  country: countryKey,
  device: deviceKey,
  page: (value) => value,
  query: (value) => value,
}

/** A breakdown's API rows as stored rows: mapped keys, merged when two map to one, top N by clicks then impressions. */
export function searchRowsOf(dimension: Exclude<SearchDimension, 'total'>, rows: readonly GscApiRow[], limit = SEARCH_TOP_ROWS): SearchRow[] {
  const merged = new Map<string, SearchRow>()
  for (const row of rows) {
    const key = KEY_OF[dimension](row.keys?.[0] ?? '')
    const into = merged.get(key) ?? { clicks: 0, dimension, impressions: 0, key, positionSum: 0 }
    into.clicks += row.clicks
    into.impressions += row.impressions
    into.positionSum += row.position * row.impressions
    merged.set(key, into)
  }
  return [...merged.values()].sort((a, b) => b.clicks - a.clicks || b.impressions - a.impressions || a.key.localeCompare(b.key)).slice(0, limit)
}

/** The day's totals row (an answer without dimensions has at most one row). */
export function searchTotalOf(rows: readonly GscApiRow[]): SearchRow {
  const row = rows[0]
  return { clicks: row?.clicks ?? 0, dimension: 'total', impressions: row?.impressions ?? 0, key: '', positionSum: row ? row.position * row.impressions : 0 }
}

/**
 * The zone of Search Console's days: Google reports them in Pacific time, whatever the
 * property's or the site's zone. They are stored as Google's days (figures come per day,
 * already summed: they cannot be moved to another zone's days).
 */
export const SEARCH_CONSOLE_TIME_ZONE = 'America/Los_Angeles'

/** Zones named differently but the same (`US/Pacific` is a link to `America/Los_Angeles`). */
const sameZone = (x: string, y: string): boolean => {
  const canonical = (zone: string) => new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone
  return x === y || canonical(x) === canonical(y)
}

export interface SearchDaysMeta {
  /** Set only when the site's zone is another: what the days are, in words. */
  daysNote?: string
  /** The site's zone (the zone of its own visitor stats). */
  siteTimeZone: string
  /** The zone of the answer's days: always Google's. */
  timeZone: typeof SEARCH_CONSOLE_TIME_ZONE
}

/** Which days a search answer holds, said plainly when they are not the site's own days. */
export function searchDaysMeta(siteTimeZone: string): SearchDaysMeta {
  const meta: SearchDaysMeta = { siteTimeZone, timeZone: SEARCH_CONSOLE_TIME_ZONE }
  if (sameZone(siteTimeZone, SEARCH_CONSOLE_TIME_ZONE)) return meta
  return {
    ...meta,
    daysNote: `Search Console days are Google's days in ${SEARCH_CONSOLE_TIME_ZONE} (Pacific time), not the site's days in ${siteTimeZone}: the same date covers other hours than in the visitor stats.`,
  }
}

/** CTR and average position of summed figures (0 without impressions). */
export const searchRatios = (sums: { clicks: number; impressions: number; positionSum: number }) => ({
  ctr: sums.impressions > 0 ? sums.clicks / sums.impressions : 0,
  position: sums.impressions > 0 ? sums.positionSum / sums.impressions : 0,
})
