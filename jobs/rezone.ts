/**
 * A change of a site's time zone (its own setting, its tenant's or the global default, or
 * `defaults.timeZone`): every day its raw events still cover is recomputed in the new zone,
 * in the background, with its progress on the site's settings row (`timeZoneState`); older
 * days keep the zone they were computed in, and the state says from which day on the figures
 * are in the new zone.
 *
 * Which days: raw events are deleted in whole local days of the zone in force when retention
 * ran, so they reach back at most to the local midnight that starts the first kept day of the
 * OLD zone. The first day of the new zone that starts at or after that instant (and is not
 * before the new zone's own first kept day) is `since`; every day from it to two days after
 * today (a zone east of the new one may have rows dated then) is recomputed, and days that
 * have no raw event in the new zone lose their old rows.
 *
 * One writer per change: the state is written with a compare-and-set on the row (the state as
 * read, to the new one), so of several instances noticing the same change one recomputes.
 */
import type { Payload } from 'payload'

import type { TimeZoneState } from '../src/core/siteSettings.js'
import type { IngestSite } from '../src/ingest/siteDirectory.js'
import type { StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { addDays, todayIn } from '../src/core/statsRange.js'
import { appliedTimeZone } from '../src/core/siteSettings.js'
import { localDayOf, localMidnight } from '../src/core/timeZone.js'
import { loadIngestSites } from '../src/ingest/siteLoader.js'
import { collectionTable, drizzleOf, sql } from '../src/store/db.js'
import { rolledUpOf } from './goalRollup.js'
import { reaggregate } from './reaggregate.js'
import { firstKeptDay } from './retention.js'

/** Whether a site's rows are not (all) in its zone yet: a change not started, or one left unfinished. */
export const needsRezone = (site: Pick<IngestSite, 'settings'>): boolean => {
  const state = site.settings.timeZoneState
  return appliedTimeZone(state) !== site.settings.timeZone || (state !== null && state.progress.done < state.progress.total)
}

/** The first day of `to` whose raw events are all kept, after a change from `from`. */
export function firstRecomputableDay(args: { from: string; now: Date; retentionDays: number; to: string }): string {
  const { from, now, retentionDays, to } = args
  const boundary = localMidnight(firstKeptDay(retentionDays, now, from), from)
  let since = localDayOf(boundary.getTime(), to)
  if (localMidnight(since, to).getTime() < boundary.getTime()) since = addDays(since, 1)
  const keptInNewZone = firstKeptDay(retentionDays, now, to)
  return since > keptInNewZone ? since : keptInNewZone
}

export interface RezoneOptions extends StoreOptions {
  /** "Now" (tests). @default new Date() */
  now?: Date
  /** After every chunk of recomputed days (the state on the row is updated too). */
  onProgress?: (progress: { done: number; total: number }) => void
}

export interface RezoneResult {
  /** Null when nothing was to do, or another instance took the change. */
  state: null | TimeZoneState
}

/**
 * Bring one site's rows into its zone (read fresh from the database); a no-op when they are.
 * Safe beside the aggregation and retention (the recompute's own locks), and idempotent: an
 * interrupted change is finished by the next call.
 */
export async function rezoneSite(payload: Payload, cfg: SanitizedAnalyticsConfig, siteId: number | string, options: RezoneOptions = {}): Promise<RezoneResult> {
  const now = options.now ?? new Date()
  const site = (await loadIngestSites(payload, cfg)).find((candidate) => String(candidate.id) === String(siteId))
  if (!site || !needsRezone(site)) return { state: null }
  const { retentionDays, timeZone, timeZoneState: current } = site.settings
  const settings = collectionTable(payload, cfg.slugs.settings)
  const daily = collectionTable(payload, cfg.slugs.dailyStats)
  const db = drizzleOf(payload)
  const scopeKey = `site:${String(site.id)}`

  let state: TimeZoneState
  if (current && current.applied === timeZone) state = current // unfinished: recompute the same days again
  else {
    const from = appliedTimeZone(current)
    const since = firstRecomputableDay({ from, now, retentionDays, to: timeZone })
    const { rows } = await db.execute(sql`
      SELECT EXISTS (SELECT 1 FROM ${daily.ref} WHERE ${daily.id('site')} = ${String(site.id)}
        AND ${daily.id('date')} < ${`${since}T00:00:00.000Z`}::timestamptz) AS ${sql.identifier('older')}`)
    const older = Boolean((rows[0] as { older: boolean }).older)
    state = { applied: timeZone, previous: older ? from : null, progress: { done: 0, total: 0 }, since }
    // The site's own row holds the state; a site inheriting everything gets one (all `inherit`).
    const exists = await db.execute(sql`SELECT 1 FROM ${settings.ref} WHERE ${settings.id('scopeKey')} = ${scopeKey}`)
    if (exists.rows.length === 0) {
      await payload
        .create({ collection: cfg.slugs.settings, data: { scope: 'site', site: site.id } as never, overrideAccess: true })
        .catch(() => undefined) // created meanwhile by someone else: the compare-and-set below decides
    }
    const taken = await db.execute(sql`
      UPDATE ${settings.ref} SET ${settings.id('timeZoneState')} = ${JSON.stringify(state)}::jsonb
      WHERE ${settings.id('scopeKey')} = ${scopeKey} AND ${settings.id('timeZoneState')} IS NOT DISTINCT FROM ${current ? JSON.stringify(current) : null}::jsonb
      RETURNING 1`)
    if (taken.rows.length === 0) return { state: null }
  }

  // Progress writes one after the other (plain SQL: no hooks, no refresh of every site).
  let writes = Promise.resolve()
  const write = (progress: { done: number; total: number }) => {
    writes = writes.then(async () => {
      state = { ...state, progress }
      await db.execute(sql`UPDATE ${settings.ref} SET ${settings.id('timeZoneState')} = ${JSON.stringify(state)}::jsonb WHERE ${settings.id('scopeKey')} = ${scopeKey}`)
      options.onProgress?.(progress)
    })
    return writes
  }
  const result = await reaggregate(payload, cfg, {
    clearEmptyDays: true,
    from: state.since ?? firstRecomputableDay({ from: timeZone, now, retentionDays, to: timeZone }),
    now,
    observeDbLatency: options.observeDbLatency,
    onProgress: (progress) => void write(progress).catch(() => undefined),
    site: site.id,
    siteRollups: new Map([[String(site.id), rolledUpOf(site)]]),
    siteIds: [site.id],
    siteRetentionDays: new Map([[String(site.id), retentionDays]]),
    siteTimeZones: new Map([[String(site.id), timeZone]]),
    to: addDays(todayIn(now, timeZone), 2),
  })
  await writes.catch(() => undefined)
  await write({ done: result.recomputed, total: result.recomputed })
  return { state }
}
