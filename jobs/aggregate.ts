import type { Payload } from 'payload'

import type { EventBuffer } from '../src/buffer/types.js'
import type { SiteDay, TimeZoneOf } from '../src/core/dailyStats.js'
import type { DbOperation } from '../src/store/db.js'
import type { DirtyDays } from '../src/store/dirtyDays.js'
import type { RecomputeOptions } from '../src/store/recomputeDailyStats.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { siteDaysOf } from '../src/core/dailyStats.js'
import { insertEvents } from '../src/store/insertEvents.js'
import { recomputeDailyStats } from '../src/store/recomputeDailyStats.js'

export interface AggregationLogger {
  info: (message: string) => void
  warn: (message: string) => void
}

export interface AggregationObserver {
  /** Duration of every database call (`analytics_db_latency_seconds`). */
  dbLatency?: (seconds: number, operation: DbOperation) => void
}

export interface RunAggregationArgs {
  /** Events claimed per batch (one COPY per batch). @default 5000 */
  batchSize?: number
  buffer: EventBuffer
  cfg: SanitizedAnalyticsConfig
  /** (site, day) pairs recomputed in parallel. @default 2 */
  concurrency?: number
  dirty: DirtyDays
  /** Each site's goals and listed property keys in force (its days' `goal` and `prop` rows), read once per run by the caller. @default none */
  rollupsOf?: RecomputeOptions['rollupsOf']
  /** Batches claimed and inserted at once (each on its own connection). @default 2 */
  insertConcurrency?: number
  log?: AggregationLogger
  /**
   * Batches claimed in one run at most, so a buffer that never drains (traffic faster than
   * the job) still gets its statistics recomputed; the rest waits for the next run.
   * @default 400 (two million events at the default batch size)
   */
  maxBatches?: number
  observe?: AggregationObserver
  payload: Payload
  /**
   * Each site's time zone (days are local days), read once per run by the caller — never
   * per event. @default every site in `defaults.timeZone`
   */
  timeZoneOf?: TimeZoneOf
}

export interface AggregationResult {
  /** Buffer entries claimed (and acknowledged). */
  claimed: number
  /** (site, day) pairs recomputed. */
  daysRecomputed: number
  durationMs: number
  /** Events really inserted (redelivered ones are not). */
  inserted: number
  /** The pairs recomputed, e.g. to invalidate those sites' cached stats. */
  recomputed: SiteDay[]
  /** Daily-stats rows written: inserted, or updated because a value changed. */
  rowsWritten: number
  /** Events that could not be stored (see `insertEvents`); acknowledged all the same. */
  skipped: number
}

/**
 * One aggregation run: buffer → AnalyticsEvents → AnalyticsDailyStats.
 *
 * 1. Until the buffer is drained (or `maxBatches`): claim a batch → insert it idempotently
 *    (one COPY; a batch holding a stored event by `ON CONFLICT (event_id) DO NOTHING`) → mark the (site, local day) of EVERY claimed
 *    event dirty (not only the inserted ones: a redelivered batch whose insert had committed
 *    before a crash still gets its days marked) → ack the batch.
 * 2. Recompute every dirty (site, day) as absolute values from the raw events (serialised
 *    per pair by an advisory lock) → clear the pairs that were not marked again meanwhile.
 *
 * Exactly once, whatever stops where: an event is acked only after its row and its day's
 * mark are durable, so a crash before the ack redelivers it (the insert is then a no-op
 * and the mark is set again); a mark is cleared only after a recompute that started after
 * it was set, so every stored event is counted by some recompute, and recomputes never
 * add — they overwrite with absolute values, the latest (freshest) last. Memory stays flat
 * in the number of events: one batch per lane plus the set of dirty pairs.
 */
export async function runAggregation(args: RunAggregationArgs): Promise<AggregationResult> {
  const { buffer, cfg, dirty, log, payload } = args
  const batchSize = args.batchSize ?? 5_000
  const maxBatches = args.maxBatches ?? 400
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('runAggregation: batchSize must be a whole number ≥ 1')
  const timeZoneOf: TimeZoneOf = args.timeZoneOf ?? (() => cfg.defaults.timeZone)
  const store = { concurrency: args.concurrency, rollupsOf: args.rollupsOf, observeDbLatency: args.observe?.dbLatency, timeZoneOf }
  const started = Date.now()
  const result: AggregationResult = { claimed: 0, daysRecomputed: 0, durationMs: 0, inserted: 0, recomputed: [], rowsWritten: 0, skipped: 0 }

  // Batches go through `insertConcurrency` lanes: while Postgres inserts one batch, the next
  // is claimed and encoded (both cores busy). Claims are disjoint and each batch is acked
  // only after its own insert and mark, so lanes change nothing about exactly-once.
  let batches = 0
  let drained = false
  let failed = false
  const lane = async () => {
    while (!drained && !failed && batches < maxBatches) {
      batches++
      const claimed = await buffer.claim(batchSize)
      // Fewer than asked: no never-delivered entry is left.
      if (claimed.length < batchSize) drained = true
      if (claimed.length === 0) break
      const events = claimed.map((entry) => entry.event)
      const { inserted, skipped } = await insertEvents(payload, cfg, events, store)
      await dirty.mark(siteDaysOf(events, timeZoneOf))
      await buffer.ack(claimed.map((entry) => entry.id))
      result.claimed += claimed.length
      result.inserted += inserted
      result.skipped += skipped
    }
  }
  await settleAll(Array.from({ length: Math.max(1, args.insertConcurrency ?? 2) }, lane), () => (failed = true))
  if (result.skipped > 0) log?.warn(`analytics: ${result.skipped} buffered events could not be stored (bad timestamp or site id, or a deleted site) and were dropped`)

  const listed = await dirty.list()
  if (listed.length > 0) {
    const recomputed = await recomputeDailyStats(payload, cfg, listed, store)
    await dirty.clear(listed)
    result.daysRecomputed = recomputed.daysRecomputed
    result.rowsWritten = recomputed.rowsWritten
    result.recomputed = listed.map(({ day, siteId }) => ({ day, siteId }))
  }

  result.durationMs = Date.now() - started
  if (result.claimed > 0 || result.daysRecomputed > 0) {
    log?.info(
      `analytics: aggregated ${result.claimed} events (${result.inserted} new) and recomputed ${result.daysRecomputed} site-days (${result.rowsWritten} rows) in ${result.durationMs} ms`,
    )
  }
  return result
}

/**
 * Wait for every task, telling the others to stop (after their current step) as soon as one
 * fails, and rethrow the first failure: no lane is left running after the run has returned.
 */
async function settleAll(tasks: Array<Promise<void>>, onFailure: () => void): Promise<void> {
  const results = await Promise.allSettled(
    tasks.map((task) =>
      task.catch((error: unknown) => {
        onFailure()
        throw error
      }),
    ),
  )
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failure) throw failure.reason
}
