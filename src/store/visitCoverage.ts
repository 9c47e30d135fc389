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

/** The days of a range (of some sites, or every site) with visits in the rollups and none in the visits table, by site then day. */
export async function daysWithoutVisits(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  args: { from: string; siteIds: null | ReadonlyArray<number | string>; to: string },
): Promise<DayWithoutVisits[]> {
  if (args.siteIds?.length === 0) return []
  const s = collectionTable(payload, cfg.slugs.dailyStats)
  const v = collectionTable(payload, cfg.slugs.visits)
  // One `total` row per (site, day) through the (site, dimension, date) index; each probe of the
  // visits table is its (site, day, session) index's prefix.
  const rows = await drizzleOf(payload).execute(sql`
    SELECT s.${s.id('site')}::text AS ${sql.identifier('site')}, to_char(s.${s.id('date')} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS ${sql.identifier('day')}
    FROM ${s.ref} s
    WHERE ${args.siteIds ? sql`${siteIn(sql`s.${s.id('site')}`, args.siteIds)} AND ` : sql``}s.${s.id('dimension')} = ${'total'}::${s.enumType('dimension')}
      AND ${daysBetween(sql`s.${s.id('date')}`, args.from, args.to)} AND s.${s.id('visits')} > 0
      AND NOT EXISTS (SELECT 1 FROM ${v.ref} v WHERE v.${v.id('site')} = s.${s.id('site')} AND v.${v.id('day')} = s.${s.id('date')})
    ORDER BY 1, 2`)
  return (rows.rows as Array<{ day: string; site: string }>).map((row) => ({ day: row.day, siteId: row.site }))
}

/**
 * A filtered question over days without visit rows is refused (400), never answered with their
 * visits missing: the message names the site and its first and last such day. The background
 * rebuild (`jobs/visitsBackfill.ts`, started at boot) recomputes them from the raw events.
 */
export async function checkVisitsCovered(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  request: { from: string; sites: ReadonlyArray<{ id: number | string }>; to: string },
): Promise<void> {
  const missing = await daysWithoutVisits(payload, cfg, { from: request.from, siteIds: request.sites.map((site) => site.id), to: request.to })
  if (missing.length === 0) return
  const siteId = missing[0]!.siteId
  const days = missing.filter((row) => row.siteId === siteId).map((row) => row.day)
  const span = days.length === 1 ? days[0] : `${days[0]} to ${days[days.length - 1]}`
  throw new StatsInputError(
    `filters: site ${siteId}'s visits of ${span} are not in the visits table yet (those days were aggregated before it existed); ` +
      `they are being rebuilt from the raw events in the background — ask again in a few minutes, or choose a range that leaves out ${days.length === 1 ? 'that day' : 'those days'}`,
  )
}

/**
 * Whether every visit row of a request's days lists its pages (`pages`): rows written before
 * that column existed lack them until their day is recomputed or leaves retention, and a page
 * filter is then answered from the raw events instead. A recompute rewrites all of a day's
 * visits at once, so one row of each day tells — the first of its (site, day, session) index
 * (without the order, Postgres may scan the table for "any" row).
 */
export async function visitPagesCovered(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  request: { from: string; sites: ReadonlyArray<{ id: number | string }>; to: string },
): Promise<boolean> {
  if (request.sites.length === 0) return true
  const s = collectionTable(payload, cfg.slugs.dailyStats)
  const v = collectionTable(payload, cfg.slugs.visits)
  const rows = await drizzleOf(payload).execute(sql`
    SELECT NOT EXISTS (
      SELECT 1 FROM ${s.ref} s
      WHERE ${siteIn(sql`s.${s.id('site')}`, request.sites.map((site) => site.id))} AND s.${s.id('dimension')} = ${'total'}::${s.enumType('dimension')}
        AND ${daysBetween(sql`s.${s.id('date')}`, request.from, request.to)} AND s.${s.id('visits')} > 0
        AND (SELECT v.${v.id('pages')} IS NULL FROM ${v.ref} v WHERE v.${v.id('site')} = s.${s.id('site')} AND v.${v.id('day')} = s.${s.id('date')} ORDER BY v.${v.id('session')} LIMIT 1)
    ) AS ${sql.identifier('covered')}`)
  return Boolean((rows.rows[0] as { covered: boolean }).covered)
}
