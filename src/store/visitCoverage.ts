/**
 * Which days the visits table (`visitRows.ts`) covers. A recompute writes a (site, day)'s visits
 * in the same statement as its stats rows, so a day whose `total` row counts visits but that has
 * no visit row was recomputed before the table existed (an upgrade): filtered figures over it
 * would silently miss its visits. Read from the data itself, not from a state kept beside it, so
 * it holds for every site (with or without its own settings row) and after any restore.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { StatsInputError } from '../core/statsRange.js'
import { collectionTable, drizzleOf, sql } from './db.js'
import { daysBetween, siteIn } from './rollupRange.js'

/** A (site, local day) the daily rollups count visits for, without visit rows. */
export interface DayWithoutVisits {
  day: string
  siteId: string
}

/**
 * What the visits table covers of a range: `daysWithoutVisits`, by site then day; `pagesListed`,
 * whether every day's visit rows list their pages (`pages`) — rows written before that column
 * existed lack them until their day is recomputed or leaves retention, and a page filter is then
 * answered from the raw events. A recompute rewrites all of a day's visits at once, so each day's
 * first row tells both — the first of its (site, day, session) index (without the order, Postgres
 * may scan the table for "any" row).
 */
export interface VisitCoverage {
  daysWithoutVisits: DayWithoutVisits[]
  pagesListed: boolean
}

export async function visitCoverage(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  args: { from: string; siteIds: null | ReadonlyArray<number | string>; to: string },
): Promise<VisitCoverage> {
  if (args.siteIds?.length === 0) return { daysWithoutVisits: [], pagesListed: true }
  const s = collectionTable(payload, cfg.slugs.dailyStats)
  const v = collectionTable(payload, cfg.slugs.visits)
  const id = sql.identifier
  // One `total` row per (site, day) through the (site, dimension, date) index; each probe of the
  // visits table is its (site, day, session) index's prefix. Only the days lacking something come back.
  const rows = await drizzleOf(payload).execute(sql`
    SELECT s.${s.id('site')}::text AS ${id('site')}, to_char(s.${s.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS ${id('day')}, f.${id('without_pages')}
    FROM ${s.ref} s
    LEFT JOIN LATERAL (
      SELECT v.${v.id('pages')} IS NULL AS ${id('without_pages')} FROM ${v.ref} v
      WHERE v.${v.id('site')} = s.${s.id('site')} AND v.${v.id('day')} = s.${s.id('date')} ORDER BY v.${v.id('session')} LIMIT 1
    ) f ON true
    WHERE ${args.siteIds ? sql`${siteIn(sql`s.${s.id('site')}`, args.siteIds)} AND ` : sql``}s.${s.id('dimension')} = ${'total'}::${s.enumType('dimension')}
      AND ${daysBetween(sql`s.${s.id('date')}`, args.from, args.to)} AND s.${s.id('visits')} > 0
      AND f.${id('without_pages')} IS NOT false
    ORDER BY 1, 2`)
  const lacking = rows.rows as Array<{ day: string; site: string; without_pages: boolean | null }>
  return {
    daysWithoutVisits: lacking.filter((row) => row.without_pages === null).map((row) => ({ day: row.day, siteId: row.site })),
    pagesListed: lacking.length === 0,
  }
}

/** The days of a range (of some sites, or every site) with visits in the rollups and none in the visits table, by site then day. */
export async function daysWithoutVisits(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  args: { from: string; siteIds: null | ReadonlyArray<number | string>; to: string },
): Promise<DayWithoutVisits[]> {
  return (await visitCoverage(payload, cfg, args)).daysWithoutVisits
}

/**
 * A filtered question over days without visit rows is refused (400), never answered with their
 * visits missing: the message names the site and its first and last such day. The background
 * rebuild (`jobs/visitsBackfill.ts`, started at boot) recomputes them from the raw events.
 * Otherwise the coverage is returned (whether the visit rows list their pages).
 */
export async function checkVisitsCovered(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  request: { from: string; sites: ReadonlyArray<{ id: number | string }>; to: string },
): Promise<VisitCoverage> {
  const coverage = await visitCoverage(payload, cfg, { from: request.from, siteIds: request.sites.map((site) => site.id), to: request.to })
  const missing = coverage.daysWithoutVisits
  if (missing.length === 0) return coverage
  const siteId = missing[0]!.siteId
  const days = missing.filter((row) => row.siteId === siteId).map((row) => row.day)
  const span = days.length === 1 ? days[0] : `${days[0]} to ${days[days.length - 1]}`
  throw new StatsInputError(
    `filters: site ${siteId}'s visits of ${span} are not in the visits table yet (those days were aggregated before it existed); ` +
      `they are being rebuilt from the raw events in the background — ask again in a few minutes, or choose a range that leaves out ${days.length === 1 ? 'that day' : 'those days'}`,
  )
}
