import type { Payload } from 'payload'

import type { SiteDay } from '../src/core/dailyStats.js'
import type { SiteRollups } from '../src/core/siteRollups.js'
import type { StoreOptions } from '../src/store/db.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { isDay } from '../src/core/dailyStats.js'
import { NO_ROLLUPS } from '../src/core/siteRollups.js'
import { recomputeDailyStats } from '../src/store/recomputeDailyStats.js'
import { firstKeptDay } from './retention.js'
import { DAY_MS } from '../src/core/time.js'


/** Bad input to `reaggregate` (the CLI exits with 2): the message says what to fix. */
export class ReaggregateInputError extends Error {
  constructor(
    message: string,
    readonly code: 'bad-date' | 'bad-range' | 'unknown-site',
  ) {
    super(message)
    this.name = 'ReaggregateInputError'
  }
}

export interface ReaggregateProgress {
  /** Site-days recomputed so far. */
  done: number
  /** Site-days to recompute (those within the raw retention). */
  total: number
}

export interface ReaggregateOptions extends StoreOptions {
  /** Days without raw events lose their rows (a change of zone; see `RecomputeOptions`). @default false */
  clearEmptyDays?: boolean
  /** (site, day) pairs recomputed at once, each on its own connection. @default 2 */
  concurrency?: number
  /** First local day (each site's zone), `YYYY-MM-DD`. */
  from: string
  /** "Now", for the retention boundary (tests). @default new Date() */
  now?: Date
  /** Called after every chunk of recomputed site-days (and once at the start with done = 0). */
  onProgress?: (progress: ReaggregateProgress) => void
  /** A site id, or `'all'` for every site. */
  site: 'all' | number | string
  /** Each site's goals and listed property keys in force (their daily `goal` and `prop` rows). @default none */
  siteRollups?: ReadonlyMap<string, SiteRollups>
  /** Effective raw-event retention of each site; others get `cfg.retention.eventsDays`. */
  siteRetentionDays?: ReadonlyMap<string, number>
  /** Every site id (of the sites collection). */
  siteIds: ReadonlyArray<number | string>
  /** Each site's time zone: `from`/`to` and the days between are its local days. Others: `defaults.timeZone`. */
  siteTimeZones?: ReadonlyMap<string, string>
  /** Last local day (included), `YYYY-MM-DD`. */
  to: string
}

export interface ReaggregateResult {
  /**
   * Site-days before their site's first kept day: their raw events are gone (retention), so
   * their statistics were left exactly as they are.
   */
  beyondRetention: number
  /** The earliest first-kept day among the sites (days before it were left as they are for some site). */
  firstKeptDay: null | string
  durationMs: number
  from: string
  /** Site-days recomputed from the raw events (a day without any raw event keeps its rows). */
  recomputed: number
  /** Stale daily-stats rows removed (keys that no longer occur on a recomputed day). */
  rowsDeleted: number
  /** Daily-stats rows inserted, or updated because a value differed. */
  rowsWritten: number
  /** Sites covered. */
  sites: number
  /** Site-days in the range (sites × days). */
  siteDays: number
  to: string
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = []
  for (let ms = Date.parse(`${from}T00:00:00.000Z`), end = Date.parse(`${to}T00:00:00.000Z`); ms <= end; ms += DAY_MS) {
    days.push(new Date(ms).toISOString().slice(0, 10))
  }
  return days
}

/** Check a range before anything runs; throws `ReaggregateInputError`. */
export function validateRange(from: string, to: string): void {
  for (const [name, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (typeof day !== 'string' || !isDay(day)) throw new ReaggregateInputError(`--${name} must be a calendar day written YYYY-MM-DD, got "${String(day)}"`, 'bad-date')
  }
  if (from > to) throw new ReaggregateInputError(`--from (${from}) is after --to (${to})`, 'bad-range')
}

const CHUNK = 20

/**
 * Recompute the daily statistics of every (site, day) in a range from the raw events, as
 * the aggregation does (absolute values, an advisory lock per pair): idempotent, and safe
 * beside a running aggregation. Days before a site's first kept day (raw retention) are left
 * exactly as they are and counted in `beyondRetention`; a day with no raw events at all is
 * left as it is by the recompute itself.
 */
export async function reaggregate(payload: Payload, cfg: SanitizedAnalyticsConfig, options: ReaggregateOptions): Promise<ReaggregateResult> {
  const started = Date.now()
  const { from, to } = options
  validateRange(from, to)
  const now = options.now ?? new Date()

  let sites: Array<number | string>
  if (options.site === 'all') sites = [...options.siteIds]
  else {
    const wanted = String(options.site)
    const found = options.siteIds.find((id) => String(id) === wanted)
    if (found === undefined) throw new ReaggregateInputError(`unknown site "${wanted}" (no document with this id in "${cfg.slugs.sites}")`, 'unknown-site')
    sites = [found]
  }

  const days = daysBetween(from, to)
  const pairs: SiteDay[] = []
  let beyondRetention = 0
  let earliestKept: null | string = null
  const timeZoneOf = (siteId: number | string) => options.siteTimeZones?.get(String(siteId)) ?? cfg.defaults.timeZone
  for (const siteId of sites) {
    const kept = firstKeptDay(options.siteRetentionDays?.get(String(siteId)) ?? cfg.retention.eventsDays, now, timeZoneOf(siteId))
    if (earliestKept === null || kept < earliestKept) earliestKept = kept
    for (const day of days) {
      if (day < kept) beyondRetention++
      else pairs.push({ day, siteId })
    }
  }

  const result: ReaggregateResult = {
    beyondRetention,
    durationMs: 0,
    firstKeptDay: earliestKept,
    from,
    recomputed: 0,
    rowsDeleted: 0,
    rowsWritten: 0,
    sites: sites.length,
    siteDays: sites.length * days.length,
    to,
  }
  options.onProgress?.({ done: 0, total: pairs.length })
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const chunk = pairs.slice(i, i + CHUNK)
    const recomputed = await recomputeDailyStats(payload, cfg, chunk, {
      clearEmptyDays: options.clearEmptyDays,
      concurrency: options.concurrency ?? 2,
      rollupsOf: (siteId) => options.siteRollups?.get(String(siteId)) ?? NO_ROLLUPS,
      observeDbLatency: options.observeDbLatency,
      timeZoneOf,
    })
    result.recomputed += recomputed.daysRecomputed
    result.rowsWritten += recomputed.rowsWritten
    result.rowsDeleted += recomputed.rowsDeleted
    options.onProgress?.({ done: result.recomputed, total: pairs.length })
  }
  result.durationMs = Date.now() - started
  return result
}
