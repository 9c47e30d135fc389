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

/** Whether a site's `goalRollup` state differs from its goals: some goal is not rolled up yet, or a removed one is still listed. */
export const needsGoalRollup = (site: Pick<IngestSite, 'settings'>): boolean => {
  const ready = site.settings.goalRollup?.ready ?? {}
  const keys = new Set(site.settings.goals.map(goalDefinitionKey))
  return [...keys].some((key) => !(key in ready)) || Object.keys(ready).some((key) => !keys.has(key))
}

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
  const ready = site.settings.goalRollup?.ready ?? {}
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
  const db = drizzleOf(payload)
  const scopeKey = `site:${String(site.id)}`
  const exists = await db.execute(sql`SELECT 1 FROM ${settings.ref} WHERE ${settings.id('scopeKey')} = ${scopeKey}`)
  if (exists.rows.length === 0) {
    // A site inheriting its goals gets its own row (everything `inherit`) to hold the state.
    await payload.create({ collection: cfg.slugs.settings, data: { scope: 'site', site: site.id } as never, overrideAccess: true }).catch(() => undefined)
  }
  // Plain SQL: no hooks, no refresh of every site from inside this write (the caller refreshes).
  await db.execute(sql`UPDATE ${settings.ref} SET ${settings.id('goalRollup')} = ${JSON.stringify(state)}::jsonb WHERE ${settings.id('scopeKey')} = ${scopeKey}`)
  return { recomputed, state }
}
