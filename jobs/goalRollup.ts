/**
 * A site's goals in the daily rollups: every recompute of a day writes one `goal` row per goal
 * in force (`recomputeDailyStats.ts`), so a goal breakdown over a year reads rows, not raw
 * events. When the goals change (a goal added, or its event, pattern or property changed),
 * the days its raw events still cover are recomputed here, in the background; the settings
 * row's `goalRollup` state then lists the goal with the first day its rows count (days before
 * it predate the goal, or its raw events were gone). Until then the goal is read from raw events.
 *
 * Idempotent and safe beside the aggregation (the recompute's own locks): an interrupted run
 * is done again by the next one; a goal changed meanwhile stays unlisted and is picked up next.
 */
import type { Payload } from 'payload'

import type { Goal } from '../src/core/goals.js'
import type { GoalRollupState } from '../src/core/siteSettings.js'
import type { IngestSite } from '../src/ingest/siteDirectory.js'
import type { StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { goalDefinitionKey } from '../src/core/goals.js'
import { addDays, todayIn } from '../src/core/statsRange.js'
import { loadIngestSites } from '../src/ingest/siteLoader.js'
import { collectionTable, drizzleOf, sql } from '../src/store/db.js'
import { reaggregate } from './reaggregate.js'
import { firstKeptDay } from './retention.js'
import { needsRezone } from './rezone.js'

/**
 * Whether a site's `goalRollup` state differs from its goals: some goal is not rolled up yet,
 * or a removed one is still listed. Only sites with their own settings row hold a state (the
 * job creates no row: a row of the site's own is what its owner creates to set things).
 */
export const needsGoalRollup = (site: Pick<IngestSite, 'settings'>): boolean => {
  if (site.settings.goalRollup === null) return false
  const ready = site.settings.goalRollup.ready
  const keys = new Set(site.settings.goals.map(goalDefinitionKey))
  return [...keys].some((key) => !(key in ready)) || Object.keys(ready).some((key) => !keys.has(key))
}

/** The goals a site's days get `goal` rows for: those of a site with its own settings row (the others read raw events). */
export const rolledUpGoalsOf = (site: Pick<IngestSite, 'settings'>): Goal[] => (site.settings.goalRollup === null ? [] : site.settings.goals)

/** Whether a site's rollups wait for a background recompute (a change of zone or of goals). */
export const needsSiteRecompute = (site: Pick<IngestSite, 'settings'>): boolean => needsRezone(site) || needsGoalRollup(site)

export interface GoalRollupOptions extends StoreOptions {
  /** "Now" (tests). @default new Date() */
  now?: Date
}

export interface GoalRollupResult {
  /** Site-days recomputed. */
  recomputed: number
  /** The state written; null when nothing was to do. */
  state: GoalRollupState | null
}

/** Bring one site's `goal` rows in line with its goals (read fresh from the database); a no-op when they are. */
export async function rollUpGoals(payload: Payload, cfg: SanitizedAnalyticsConfig, siteId: number | string, options: GoalRollupOptions = {}): Promise<GoalRollupResult> {
  const now = options.now ?? new Date()
  const site = (await loadIngestSites(payload, cfg)).find((candidate) => String(candidate.id) === String(siteId))
  if (!site || !needsGoalRollup(site)) return { recomputed: 0, state: null }
  const { goals, retentionDays, timeZone } = site.settings
  const ready = site.settings.goalRollup!.ready
  const keys = goals.map(goalDefinitionKey)
  // Raw events cover the days from the first kept one: a new goal counts from there.
  const since = firstKeptDay(retentionDays, now, timeZone)
  let recomputed = 0
  if (keys.some((key) => !(key in ready))) {
    const result = await reaggregate(payload, cfg, {
      from: since,
      now,
      observeDbLatency: options.observeDbLatency,
      site: site.id,
      siteGoals: new Map([[String(site.id), goals]]),
      siteIds: [site.id],
      siteRetentionDays: new Map([[String(site.id), retentionDays]]),
      siteTimeZones: new Map([[String(site.id), timeZone]]),
      // A day's events may be a day ahead of the site's today (clock skew of the senders).
      to: addDays(todayIn(now, timeZone), 1),
    })
    recomputed = result.recomputed
  }
  const state: GoalRollupState = { ready: Object.fromEntries(keys.map((key) => [key, ready[key] ?? since])) }
  const settings = collectionTable(payload, cfg.slugs.settings)
  // Plain SQL: no hooks, no refresh of every site from inside this write (the caller refreshes).
  await drizzleOf(payload).execute(
    sql`UPDATE ${settings.ref} SET ${settings.id('goalRollup')} = ${JSON.stringify(state)}::jsonb WHERE ${settings.id('scopeKey')} = ${`site:${String(site.id)}`}`,
  )
  return { recomputed, state }
}
