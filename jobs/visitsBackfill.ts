/**
 * After an upgrade, the days recomputed before the visits table existed have no visit rows
 * (`src/store/visitCoverage.ts`); filtered questions over them are refused until they do. This
 * recomputes them from the raw events, in the background (the scheduler runs it once at boot,
 * after a change of zone or goals in the same queue): per site, its days from the first one raw
 * events still cover. Days past raw retention cannot be rebuilt, and filters never reach them.
 *
 * Idempotent and safe beside the aggregation (the recompute's own locks): an interrupted run
 * leaves the rest to the next boot, and a day recomputed twice is written once.
 */
import type { Payload } from 'payload'

import type { SiteRollups } from '../src/core/siteRollups.js'
import type { StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { addDays, todayIn } from '../src/core/statsRange.js'
import { daysWithoutVisits } from '../src/store/visitCoverage.js'
import { reaggregate } from './reaggregate.js'
import { firstKeptDay } from './retention.js'

export interface VisitsBackfillOptions extends StoreOptions {
  /** "Now" (tests). @default new Date() */
  now?: Date
  siteIds: ReadonlyArray<number | string>
  siteRetentionDays: ReadonlyMap<string, number>
  siteRollups: ReadonlyMap<string, SiteRollups>
  siteTimeZones: ReadonlyMap<string, string>
}

export interface VisitsBackfillResult {
  /** Site-days recomputed. */
  recomputed: number
  /** The sites whose visits were rebuilt. */
  siteIds: string[]
}

export async function backfillVisits(payload: Payload, cfg: SanitizedAnalyticsConfig, options: VisitsBackfillOptions): Promise<VisitsBackfillResult> {
  const now = options.now ?? new Date()
  const firstRawDayOf = (siteId: string) =>
    firstKeptDay(options.siteRetentionDays.get(siteId) ?? cfg.retention.eventsDays, now, options.siteTimeZones.get(siteId) ?? cfg.defaults.timeZone)
  const sites = options.siteIds.map(String)
  if (sites.length === 0) return { recomputed: 0, siteIds: [] }
  const from = sites.map(firstRawDayOf).reduce((earliest, day) => (day < earliest ? day : earliest))
  // Every zone's today is within a day of UTC's, and a day's events may be a day ahead of it (clock skew of the senders).
  const to = addDays(todayIn(now, 'UTC'), 2)
  const missing = (await daysWithoutVisits(payload, cfg, { from, siteIds: null, to })).filter((row) => sites.includes(row.siteId) && row.day >= firstRawDayOf(row.siteId))
  const bySite = new Map<string, string[]>()
  for (const row of missing) bySite.set(row.siteId, [...(bySite.get(row.siteId) ?? []), row.day])
  let recomputed = 0
  for (const [siteId, days] of bySite) {
    // Days in order: the first to the last without visits (the ones between are rewritten unchanged).
    const result = await reaggregate(payload, cfg, {
      from: days[0]!,
      now,
      observeDbLatency: options.observeDbLatency,
      site: options.siteIds.find((id) => String(id) === siteId)!,
      siteIds: options.siteIds,
      siteRetentionDays: options.siteRetentionDays,
      siteRollups: options.siteRollups,
      siteTimeZones: options.siteTimeZones,
      to: days[days.length - 1]!,
    })
    recomputed += result.recomputed
  }
  return { recomputed, siteIds: [...bySite.keys()] }
}
