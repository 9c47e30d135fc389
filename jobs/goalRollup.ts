/**
 * A site's goals and listed property keys in the daily rollups (`src/core/siteRollups.ts`):
 * every recompute of a day writes one `goal` row per goal in force and the `prop` rows of the
 * listed keys (`recomputeDailyStats.ts`), so a goal or property breakdown over a year reads
 * rows, not raw events. When they change (a goal added, or its event, pattern or property
 * changed; a key listed), the days raw events still cover are recomputed here, in the
 * background; the settings row's `goalRollup` state then lists the definition with the first
 * day its rows count (days before it predate it, or its raw events were gone). Until then it
 * is read from raw events.
 *
 * Idempotent and safe beside the aggregation (the recompute's own locks): an interrupted run
 * is done again by the next one; a goal changed meanwhile stays unlisted and is picked up next.
 */
import type { Payload } from 'payload'

import type { SiteRollups } from '../src/core/siteRollups.js'
import type { GoalRollupState } from '../src/core/siteSettings.js'
import type { IngestSite } from '../src/ingest/siteDirectory.js'
import type { StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { NO_ROLLUPS, rollupDefinitionKeys } from '../src/core/siteRollups.js'
import { addDays, todayIn } from '../src/core/statsRange.js'
import { loadIngestSites } from '../src/ingest/siteLoader.js'
import { collectionTable, drizzleOf, sql } from '../src/store/db.js'
import { reaggregate } from './reaggregate.js'
import { firstKeptDay } from './retention.js'
import { needsRezone } from './rezone.js'

/**
 * The goals and property keys a site's days get `goal` and `prop` rows for: those of a site
 * with its own settings row, which holds the state (the others read raw events; the job
 * creates no row: a row of the site's own is what its owner creates to set things).
 */
export const rolledUpOf = (site: Pick<IngestSite, 'settings'>): SiteRollups =>
  site.settings.goalRollup === null ? NO_ROLLUPS : { goals: site.settings.goals, props: site.settings.rolledUpProps }

/** Whether a site's `goalRollup` state differs from its goals and listed keys: one is not rolled up yet, or a removed one is still listed. */
export const needsGoalRollup = (site: Pick<IngestSite, 'settings'>): boolean => {
  if (site.settings.goalRollup === null) return false
  const ready = site.settings.goalRollup.ready
  const keys = new Set(rollupDefinitionKeys(rolledUpOf(site)))
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

/** Bring one site's `goal` and `prop` rows in line with its goals and listed keys (read fresh from the database); a no-op when they are. */
export async function rollUpGoals(payload: Payload, cfg: SanitizedAnalyticsConfig, siteId: number | string, options: GoalRollupOptions = {}): Promise<GoalRollupResult> {
  const now = options.now ?? new Date()
  const site = (await loadIngestSites(payload, cfg)).find((candidate) => String(candidate.id) === String(siteId))
  if (!site || !needsGoalRollup(site)) return { recomputed: 0, state: null }
  const { retentionDays, timeZone } = site.settings
  const ready = site.settings.goalRollup!.ready
  const keys = rollupDefinitionKeys(rolledUpOf(site))
  // Raw events cover the days from the first kept one: a new goal or key counts from there.
  const since = firstKeptDay(retentionDays, now, timeZone)
  let recomputed = 0
  if (keys.some((key) => !(key in ready))) {
    const result = await reaggregate(payload, cfg, {
      from: since,
      now,
      observeDbLatency: options.observeDbLatency,
      site: site.id,
      siteRollups: new Map([[String(site.id), rolledUpOf(site)]]),
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
