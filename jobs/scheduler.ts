/**
 * The plugin's jobs on a running Payload instance: the aggregation every few minutes, the
 * daily retention, the reports every minute, the nightly run of the external sources
 * (`sources.runAt`; in the background under its own lock, so it never holds the worker), and
 * the on-demand runs (`aggregateNow`, `applyRetention`, `reaggregate`,
 * `eraseSite`).
 *
 * With Redis: a BullMQ queue `analytics` (keys under `<redisKeyPrefix>bull:`) with two job
 * schedulers upserted by every instance at start — idempotent, so there is one of each
 * however many instances start — and a worker of concurrency 1 in every Payload server
 * (`aggregation.worker: 'inline'`) or only in `npx payload-analytics worker` processes
 * (`'external'`). BullMQ's connections are its own (`maxRetriesPerRequest: null`), never the
 * plugin's fail-fast client.
 *
 * One run at a time in the whole deployment: a job scheduler hands each tick to one worker,
 * but a run longer than the interval would overlap with the next tick on another instance,
 * and `aggregateNow()` runs outside BullMQ. So every run first takes a lock in Redis
 * (`SET NX PX` with a random token, extended while the run goes on, released with a
 * compare-and-delete script; see `runLock.ts`). A scheduled tick that finds it taken is
 * skipped (the run in progress is draining the same buffer); `aggregateNow()` waits for it.
 * The lock is about efficiency, not correctness: `runAggregation` is safe under concurrency
 * by itself (advisory locks per (site, day), dirty-day marks cleared by compare-and-delete,
 * at-least-once claims with idempotent inserts), so a lock that expires under a stalled run
 * costs duplicate work, never a wrong count.
 *
 * Without Redis: an in-process timer (unref'd; a tick is skipped while a run is going on)
 * drives the same run on the in-process buffer, and an in-process lock keeps
 * `aggregateNow()` and the timer apart.
 */
import type { Job, Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Payload } from 'payload'

import type { AggregationResult } from './aggregate.js'
import type { ReaggregateProgress, ReaggregateResult } from './reaggregate.js'
import type { RetentionResult } from './retention.js'
import type { VisitsBackfillResult } from './visitsBackfill.js'
import type { RunLock } from './runLock.js'
import type { EventBuffer } from '../src/buffer/types.js'
import type { SiteDay } from '../src/core/dailyStats.js'
import type { TimeZoneState } from '../src/core/siteSettings.js'
import type { SiteRollups } from '../src/core/siteRollups.js'
import type { IngestSite, SiteDirectory } from '../src/ingest/siteDirectory.js'
import type { AnalyticsMetrics } from '../src/metrics/registry.js'
import type { DirtyDays } from '../src/store/dirtyDays.js'
import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { waitForReady } from '../src/buffer/redisClient.js'
import { NO_ROLLUPS } from '../src/core/siteRollups.js'
import { eraseSiteAnalytics } from '../src/erasure.js'
import { loadIngestSites } from '../src/ingest/siteLoader.js'
import { createDirtyDays } from '../src/store/dirtyDays.js'
import { runAggregation } from './aggregate.js'
import { reaggregate, validateRange } from './reaggregate.js'
import { applyRetention, withoutExpiredDays } from './retention.js'
import { backfillVisits } from './visitsBackfill.js'
import { rezoneSite } from './rezone.js'
import { needsSiteRecompute, rolledUpOf, rollUpGoals } from './goalRollup.js'
import { createRunLock } from './runLock.js'

/** The BullMQ queue's name (its keys live under `<redisKeyPrefix>bull:analytics:`). */
export const QUEUE_NAME = 'analytics'
/** Job scheduler ids, which are also the job names. */
export const AGGREGATE_JOB = 'aggregate'
export const RETENTION_JOB = 'retention'
export const REPORTS_JOB = 'reports'
export const SOURCES_JOB = 'sources'
/** How often due reports are looked for. */
export const REPORTS_INTERVAL_MS = 60_000

/**
 * Set by the CLI before it boots Payload: `manual` starts nothing at boot (no scheduler
 * upsert, no worker, no timer); the command then starts what it needs.
 */
export const JOBS_ENV = 'PAYLOAD_ANALYTICS_JOBS'

/** How long `aggregateNow()` / `applyRetention()` / `eraseSite()` wait for a run in progress. */
const DEFAULT_WAIT_MS = 5 * 60_000
/** How long `close()` lets a run in progress finish before abandoning it. */
const DEFAULT_CLOSE_WAIT_MS = 30_000
/** How long a run waits for Redis to be connected again (after a restart) before failing. */
const DEFAULT_REDIS_WAIT_MS = 30_000
/** How long start-up waits for the schedulers to be upserted before going on (Redis down). */
const SCHEDULE_WAIT_MS = 3_000
const ERROR_LOG_INTERVAL_MS = 30_000
/** Jobs kept for inspection (BullMQ's own history), so Redis does not grow. */
const KEEP_JOBS = { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } }

/** What started a run. */
export type JobSource = 'erase' | 'manual' | 'scheduled' | 'timer'

/** Hooks for tests, benchmarks, fault tests and operators (`payload.analytics.jobs.on(…)`). */
export interface JobEventMap {
  'aggregation:end': { result: AggregationResult; source: JobSource }
  'aggregation:error': { error: unknown; source: JobSource }
  /** The lock is taken and `runAggregation` is about to start. */
  'aggregation:start': { source: JobSource }
  /** A scheduled or timer tick found another run in progress (or the runtime closing). */
  'aggregation:skipped': { reason: 'closing' | 'locked'; source: JobSource }
  /** (site, day) pairs not recomputed because they are past their raw retention. */
  'aggregation:expired-days': { pairs: SiteDay[] }
  'retention:end': { result: RetentionResult; source: JobSource }
  'retention:error': { error: unknown; source: JobSource }
  'retention:skipped': { reason: 'closing' | 'locked'; source: JobSource }
  /** A site's rows were brought into its new time zone (`jobs/rezone.ts`). */
  'rezone:end': { siteId: number | string; state: TimeZoneState }
  'rezone:error': { error: unknown; siteId: number | string }
  /** A site's `goal` rows were brought in line with its goals (`jobs/goalRollup.ts`). */
  'goals:end': { recomputed: number; siteId: number | string }
}
export type JobEvent = keyof JobEventMap

export interface AggregateNowOptions {
  /** How long to wait for a run in progress elsewhere. @default 300000 */
  waitMs?: number
}

export interface ApplyRetentionOptions {
  /** Rows deleted per statement. @default 10000 */
  batchSize?: number
  /** "Now" (tests). @default new Date() */
  now?: Date
  /** How long to wait for a retention run in progress elsewhere. @default 300000 */
  waitMs?: number
}

export interface ReaggregateRequest {
  /** (site, day) pairs recomputed at once. @default 2 */
  concurrency?: number
  /** First local day (each site's zone), `YYYY-MM-DD`. */
  from: string
  /** "Now", for the raw-retention boundary (tests). */
  now?: Date
  onProgress?: (progress: ReaggregateProgress) => void
  /** A site id, or `'all'`. */
  site: 'all' | number | string
  /** Last local day (included), `YYYY-MM-DD`. */
  to: string
}

export interface EraseSiteOptions {
  /**
   * Run an aggregation first (under the single-run lock), so the site's events still in the
   * buffer are stored — and then erased with the rest — instead of being aggregated after the
   * erasure. A drain that fails (Redis down) is logged and the erasure goes on.
   * @default true
   */
  drainBuffer?: boolean
  /** How long to wait for a run in progress. @default 300000 */
  waitMs?: number
}

export interface EraseSiteResult {
  /** Whether the buffer was drained before the rows were deleted. */
  drained: boolean
  /** Dirty-day marks of the site removed (nothing left to recompute). */
  dirtyDaysCleared: number
}

export interface AnalyticsJobs {
  /** Run one aggregation now, in this process, after any run in progress anywhere has finished. */
  aggregateNow(options?: AggregateNowOptions): Promise<AggregationResult>
  /** Delete what is past its retention now (one retention run at a time across instances). */
  applyRetention(options?: ApplyRetentionOptions): Promise<RetentionResult>
  close(): Promise<void>
  /** `bullmq` with Redis, `timer` (in-process) without. */
  readonly driver: 'bullmq' | 'timer'
  /** Erase every analytics row of one site (raw events, daily stats, settings) and its dirty days. */
  eraseSite(siteId: number | string, options?: EraseSiteOptions): Promise<EraseSiteResult>
  /** Listen to a job event; returns a function that stops listening. */
  on<E extends JobEvent>(event: E, listener: (payload: JobEventMap[E]) => void): () => void
  /** The BullMQ queue (null without Redis), e.g. to inspect `getJobSchedulers()`. */
  readonly queue: null | Queue
  /** Recompute the daily stats of a site (or all) over a range of days from the raw events. */
  reaggregate(request: ReaggregateRequest): Promise<ReaggregateResult>
  /**
   * Rebuild the visits of the days recomputed before the visits table existed (`jobs/visitsBackfill.ts`),
   * in the queue of `rezone`; boot starts it. Failures are logged, never thrown.
   */
  backfillVisits(): Promise<VisitsBackfillResult>
  /**
   * Bring these sites' rows into their time zone after a change (`jobs/rezone.ts`), then
   * their `goal` rows in line with their goals (`jobs/goalRollup.ts`), one site after the
   * other in this process; resolves when they are done (a site already queued is
   * not queued twice). Failures are logged and emitted (`rezone:error`), never thrown.
   */
  rezone(siteIds: ReadonlyArray<number | string>): Promise<void>
  /** Upsert the job schedulers (BullMQ) or arm the timers (no Redis); idempotent. */
  schedule(): Promise<void>
  /** What boot does (unless `PAYLOAD_ANALYTICS_JOBS=manual`): `schedule()`, plus `startWorker()` when the worker is inline. */
  start(): Promise<void>
  /** Process scheduled jobs in this process (BullMQ worker, concurrency 1); idempotent. Without Redis the timers do it. */
  startWorker(): Promise<void>
  /** Whether this process runs a BullMQ worker. */
  readonly workerRunning: boolean
}

export interface CreateJobsArgs {
  buffer: EventBuffer
  cfg: SanitizedAnalyticsConfig
  /** How long `close()` lets a run finish before abandoning it. @default 30000 */
  closeWaitMs?: number
  logger: { error: (message: string) => void; info: (message: string) => void; warn: (message: string) => void }
  metrics: AnalyticsMetrics
  payload: Payload
  /** The plugin's fail-fast client (locks, dirty days); null without Redis. Never handed to BullMQ. */
  redis: null | Redis
  /** How long a run waits for that client to reconnect before failing. @default 30000 */
  redisWaitMs?: number
  /**
   * Sends the due reports (and alerts); scheduled every minute when given. Each delivery is
   * made once across instances by its own unique key, so ticks may overlap.
   */
  reportsTick?: () => Promise<unknown>
  /** The live site directory: each site's raw retention for the aggregation's retention guard. */
  sites: SiteDirectory
  /** The nightly run over the external sources, at `sources.runAt` (UTC), once across instances. */
  sourcesTick?: () => Promise<unknown>
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref()
  })

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!

/** Milliseconds from `now` to the next `HH:MM` UTC. */
export function msUntilNext(runAt: string, now: Date = new Date()): number {
  const [hour, minute] = runAt.split(':').map(Number) as [number, number]
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour, minute))
  if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1)
  return next.getTime() - now.getTime()
}

/** The BullMQ `prefix` for a plugin key prefix: `analytics:` → `analytics:bull`. */
export const bullPrefix = (keyPrefix: string) => `${keyPrefix}bull`

export function createAnalyticsJobs(args: CreateJobsArgs): AnalyticsJobs {
  return new Jobs(args)
}

class Jobs implements AnalyticsJobs {
  readonly driver: 'bullmq' | 'timer'
  queue: null | Queue = null

  private readonly active = new Set<Promise<unknown>>()
  private readonly aggregationLock: RunLock
  private aggregationTimer: NodeJS.Timeout | null = null
  private closing = false
  private readonly dirty: DirtyDays
  private lastErrorLog = 0
  private readonly listeners = new Map<JobEvent, Set<(payload: never) => void>>()
  private readonly retentionLock: RunLock
  private retentionTimer: NodeJS.Timeout | null = null
  private reportsRun: null | Promise<unknown> = null
  private reportsTimer: NodeJS.Timeout | null = null
  private readonly sourcesLock: RunLock
  private sourcesTimer: NodeJS.Timeout | null = null
  private scheduling: null | Promise<void> = null
  private timerRun: null | Promise<unknown> = null
  private worker: null | Worker = null
  private readonly rezoning = new Map<string, Promise<void>>()
  private rezoneQueue: Promise<void> = Promise.resolve()

  constructor(private readonly args: CreateJobsArgs) {
    const { cfg, redis } = args
    this.driver = redis && cfg.redisUrl ? 'bullmq' : 'timer'
    const onLost = (key: string) =>
      args.logger.warn(
        `analytics: the lock ${key} expired while its run was still going; another instance may start a run meanwhile (safe — advisory locks and dirty-day marks keep the counts exact — only wasteful)`,
      )
    this.aggregationLock = createRunLock({ key: `${cfg.redisKeyPrefix}lock:aggregate`, onLost, redis })
    this.retentionLock = createRunLock({ key: `${cfg.redisKeyPrefix}lock:retention`, onLost, redis })
    this.sourcesLock = createRunLock({ key: `${cfg.redisKeyPrefix}lock:sources`, onLost, redis })
    // One per process: marks of a failed run stay for the next one (in Redis they are shared anyway).
    this.dirty = createDirtyDays({ keyPrefix: cfg.redisKeyPrefix, redis })
  }

  get workerRunning(): boolean {
    return this.worker !== null
  }

  on<E extends JobEvent>(event: E, listener: (payload: JobEventMap[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set()
    set.add(listener as (payload: never) => void)
    this.listeners.set(event, set)
    return () => set.delete(listener as (payload: never) => void)
  }

  private emit<E extends JobEvent>(event: E, payload: JobEventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        ;(listener as (payload: JobEventMap[E]) => void)(payload)
      } catch {
        // A listener's failure is not the job's.
      }
    }
  }

  /** Keep track of a run so `close()` can wait for it. */
  private track<T>(promise: Promise<T>): Promise<T> {
    this.active.add(promise)
    const done = () => this.active.delete(promise)
    promise.then(done, done)
    return promise
  }

  private logError(message: string): void {
    const now = Date.now()
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return
    this.lastErrorLog = now
    this.args.logger.error(message)
  }

  private get intervalText(): string {
    const ms = this.args.cfg.aggregation.intervalMs
    return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`
  }

  // ------------------------------------------------------------------------------------
  // Start and stop

  async start(): Promise<void> {
    const { cfg, logger } = this.args
    if (this.driver === 'timer') {
      await this.schedule()
      logger.info(
        `analytics: no Redis: the aggregation (every ${this.intervalText}) and the retention (daily at ${cfg.retention.runAt} UTC) run on an in-process timer — single instance, development only`,
      )
      return
    }
    // BullMQ's clients queue commands until Redis answers: do not hold up the boot for it.
    // (A failure is logged by `schedule()`; the next start, or the worker command, upserts again.)
    const scheduled = this.schedule().then(
      () => true,
      () => true,
    )
    const inTime = await Promise.race([scheduled, sleep(SCHEDULE_WAIT_MS).then(() => false)])
    if (!inTime) logger.warn('analytics: Redis did not answer in time; the job schedulers will be upserted once it does')
    if (cfg.aggregation.worker === 'inline') await this.startWorker()
    logger.info(
      `analytics: aggregation every ${this.intervalText}, retention daily at ${cfg.retention.runAt} UTC (BullMQ queue "${QUEUE_NAME}", prefix "${bullPrefix(cfg.redisKeyPrefix)}"); ` +
        (cfg.aggregation.worker === 'inline'
          ? 'worker in this process, one run at a time across instances'
          : 'worker external: run `npx payload-analytics worker`'),
    )
  }

  schedule(): Promise<void> {
    if (this.closing) return Promise.resolve()
    if (this.driver === 'timer') {
      this.armTimers()
      return Promise.resolve()
    }
    this.scheduling ??= this.upsertSchedulers().catch((error: unknown) => {
      this.scheduling = null
      this.args.logger.error(`analytics: could not upsert the job schedulers: ${messageOf(error)}`)
      throw error
    })
    return this.scheduling
  }

  private connection() {
    // BullMQ's own clients: blocking commands and retries forever, unlike the fail-fast one.
    return { maxRetriesPerRequest: null, url: this.args.cfg.redisUrl! }
  }

  private async openQueue(): Promise<Queue> {
    if (!this.queue) {
      // Loaded only with Redis (and kept out of module evaluation for bundlers).
      const { Queue } = await import('bullmq')
      this.queue = new Queue(QUEUE_NAME, { connection: this.connection(), prefix: bullPrefix(this.args.cfg.redisKeyPrefix) })
      this.queue.on('error', (error: Error) => this.logError(`analytics: job queue: ${error.message}`))
    }
    return this.queue
  }

  private async upsertSchedulers(): Promise<void> {
    const { cfg } = this.args
    const queue = await this.openQueue()
    const every = cfg.aggregation.intervalMs
    const [hour, minute] = cfg.retention.runAt.split(':').map(Number)
    // `startDate` applies only when the scheduler is created (BullMQ keeps the existing
    // schedule when another instance upserts the same one): the first run comes one interval
    // after the first start, not in the middle of the boot.
    await queue.upsertJobScheduler(AGGREGATE_JOB, { every, startDate: Date.now() + every }, { name: AGGREGATE_JOB, opts: KEEP_JOBS })
    await queue.upsertJobScheduler(RETENTION_JOB, { pattern: `${minute} ${hour} * * *`, tz: 'UTC' }, { name: RETENTION_JOB, opts: KEEP_JOBS })
    if (this.args.sourcesTick) {
      const [sourcesHour, sourcesMinute] = cfg.sources.runAt.split(':').map(Number)
      await queue.upsertJobScheduler(SOURCES_JOB, { pattern: `${sourcesMinute} ${sourcesHour} * * *`, tz: 'UTC' }, { name: SOURCES_JOB, opts: KEEP_JOBS })
    }
    if (this.args.reportsTick) await queue.upsertJobScheduler(REPORTS_JOB, { every: REPORTS_INTERVAL_MS }, { name: REPORTS_JOB, opts: KEEP_JOBS })
  }

  async startWorker(): Promise<void> {
    if (this.closing || this.driver === 'timer' || this.worker) return
    const { Worker } = await import('bullmq')
    if (this.closing || this.worker) return
    const worker = new Worker(QUEUE_NAME, (job) => this.process(job), {
      concurrency: 1,
      connection: this.connection(),
      prefix: bullPrefix(this.args.cfg.redisKeyPrefix),
    })
    worker.on('error', (error: Error) => this.logError(`analytics: job worker: ${error.message}`))
    worker.on('failed', (job, error) => this.args.logger.error(`analytics: job ${job?.name ?? '?'} failed: ${error.message}`))
    this.worker = worker
  }

  private async process(job: Job): Promise<unknown> {
    if (job.name === AGGREGATE_JOB) {
      const outcome = await this.aggregate('scheduled', null)
      if (!outcome) return { skipped: true }
      const { claimed, daysRecomputed, durationMs, inserted, rowsWritten, skipped } = outcome
      return { claimed, daysRecomputed, durationMs, inserted, rowsWritten, skipped }
    }
    if (job.name === RETENTION_JOB) {
      const outcome = await this.retention('scheduled', null, {})
      return outcome ? { dailyStats: outcome.dailyStats.deleted, events: outcome.events.deleted, salts: outcome.salts.deleted } : { skipped: true }
    }
    if (job.name === SOURCES_JOB && this.args.sourcesTick) {
      // In the background: a night over hundreds of sites must not hold the worker (and so
      // the aggregation) for its length. The lock keeps it to one run across instances.
      void this.sources().catch((error: unknown) => this.args.logger.error(`analytics: the sources run failed: ${messageOf(error)}`))
      return { started: true }
    }
    if (job.name === REPORTS_JOB && this.args.reportsTick) {
      await this.track(this.args.reportsTick())
      return { done: true }
    }
    throw new Error(`analytics: unknown job "${job.name}"`)
  }

  private armTimers(): void {
    const { cfg, logger } = this.args
    if (!this.aggregationTimer) {
      this.aggregationTimer = setInterval(() => {
        // No overlap: a tick while a run is going on is skipped.
        if (this.timerRun || this.closing) return
        this.timerRun = this.aggregate('timer', null)
          .catch((error: unknown) => logger.error(`analytics: aggregation failed: ${messageOf(error)}`))
          .finally(() => (this.timerRun = null))
      }, cfg.aggregation.intervalMs)
      this.aggregationTimer.unref()
    }
    const { reportsTick } = this.args
    if (reportsTick && !this.reportsTimer) {
      this.reportsTimer = setInterval(() => {
        if (this.reportsRun || this.closing) return
        this.reportsRun = this.track(reportsTick())
          .catch((error: unknown) => logger.error(`analytics: reports failed: ${messageOf(error)}`))
          .finally(() => (this.reportsRun = null))
      }, REPORTS_INTERVAL_MS)
      this.reportsTimer.unref()
    }
    const { sourcesTick } = this.args
    if (sourcesTick && !this.sourcesTimer) {
      const armSources = () => {
        this.sourcesTimer = setTimeout(() => {
          void this.sources()
            .catch((error: unknown) => logger.error(`analytics: the sources run failed: ${messageOf(error)}`))
            .finally(() => {
              if (!this.closing) armSources()
            })
        }, msUntilNext(cfg.sources.runAt))
        this.sourcesTimer.unref()
      }
      armSources()
    }
    if (!this.retentionTimer) {
      const arm = () => {
        this.retentionTimer = setTimeout(() => {
          void this.retention('timer', null, {})
            .catch((error: unknown) => logger.error(`analytics: retention failed: ${messageOf(error)}`))
            .finally(() => {
              if (!this.closing) arm()
            })
        }, msUntilNext(cfg.retention.runAt))
        this.retentionTimer.unref()
      }
      arm()
    }
  }

  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (this.aggregationTimer) clearInterval(this.aggregationTimer)
    if (this.retentionTimer) clearTimeout(this.retentionTimer)
    if (this.reportsTimer) clearInterval(this.reportsTimer)
    if (this.sourcesTimer) clearTimeout(this.sourcesTimer)
    // Runs stop claiming new batches (see `stoppable`) and finish the ones in flight plus
    // the recompute of their days; past the deadline they are abandoned: unacknowledged
    // entries are redelivered and dirty marks kept, so the next run completes the work.
    const closeWaitMs = this.args.closeWaitMs ?? DEFAULT_CLOSE_WAIT_MS
    const settled = Promise.allSettled([...this.active])
    const finished = await Promise.race([settled.then(() => true), sleep(closeWaitMs).then(() => false)])
    if (!finished) this.args.logger.warn(`analytics: a job was still running after ${closeWaitMs} ms; abandoning it (its work is redone by the next run)`)
    await this.worker?.close(!finished).catch(() => undefined)
    await this.queue?.close().catch(() => undefined)
  }

  // ------------------------------------------------------------------------------------
  // Runs

  /** The runtime's buffer, except that no new batch is claimed once closing. */
  private stoppable(): EventBuffer {
    const { buffer } = this.args
    const closing = () => this.closing
    return {
      ack: (ids) => buffer.ack(ids),
      append: (events) => buffer.append(events),
      claim: async (count) => (closing() ? [] : buffer.claim(count)),
      close: () => buffer.close(),
      ingest: (input) => buffer.ingest(input),
      realtime: (siteIds, sinceMs) => buffer.realtime(siteIds, sinceMs),
      recent: (sinceMs, max) => buffer.recent(sinceMs, max),
      get kind() {
        return buffer.kind
      },
      get malformedCount() {
        return buffer.malformedCount
      },
      pending: () => buffer.pending(),
    }
  }

  private retentionDaysOf = (siteId: number | string): number =>
    this.args.sites.get(String(siteId))?.settings.retentionDays ?? this.args.cfg.retention.eventsDays

  /** One aggregation under the single-run lock; null when skipped (`waitMs` null: do not wait). */
  private async aggregate(source: JobSource, waitMs: null | number): Promise<AggregationResult | null> {
    const lease = await this.lease(this.aggregationLock, waitMs)
    if (!lease) {
      this.emit('aggregation:skipped', { reason: this.closing ? 'closing' : 'locked', source })
      return null
    }
    try {
      return await this.aggregateLocked(source)
    } finally {
      await lease.release()
    }
  }

  /** The nightly sources run under its own lock; skipped when another instance is running it. */
  private async sources(): Promise<void> {
    const tick = this.args.sourcesTick
    if (!tick) return
    const lease = await this.lease(this.sourcesLock, null)
    if (!lease) return
    try {
      await this.track(tick())
    } finally {
      await lease.release()
    }
  }

  /** Take a lock (null: do not wait), or null when closing or not free in time. */
  private async lease(lock: RunLock, waitMs: null | number) {
    if (this.closing) return null
    await this.redisReady()
    const lease = waitMs === null ? await lock.tryAcquire() : await lock.acquire({ waitMs })
    // `close()` may have started while we waited: it is not waiting for this run.
    if (lease && this.closing) {
      await lease.release()
      return null
    }
    return lease
  }

  /**
   * Wait for the plugin's Redis client to be connected. It fails fast by design (tracking
   * answers 503 at once), but a job has time: right after a Redis restart BullMQ's own
   * connection may hand over a tick while this client is still reconnecting, and the run
   * would fail ("Stream isn't writeable…") and lose that tick.
   */
  private async redisReady(): Promise<void> {
    const { redis } = this.args
    if (!redis || redis.status === 'ready') return
    const waitMs = this.args.redisWaitMs ?? DEFAULT_REDIS_WAIT_MS
    if (!(await waitForReady(redis, waitMs))) throw new Error(`analytics: Redis is not reachable (waited ${waitMs} ms); the run is left to the next tick`)
  }

  /** One `runAggregation`, the caller holding the lock. */
  private async aggregateLocked(source: JobSource): Promise<AggregationResult> {
    const { cfg, logger, metrics, payload } = this.args
    this.emit('aggregation:start', { source })
    try {
      // Each site's zone read fresh once per run (two queries), never from a half-loaded directory.
      const { rollups, sites, timeZones } = await this.siteSettings()
      // A change of zone or of goals not picked up yet (or one interrupted by a restart): its recompute, in the background.
      const pending = sites.filter(needsSiteRecompute).map((site) => site.id)
      if (pending.length > 0) void this.rezone(pending)
      const timeZoneOf = (siteId: number | string) => timeZones.get(String(siteId)) ?? cfg.defaults.timeZone
      const dirty = withoutExpiredDays(this.dirty, this.retentionDaysOf, {
        timeZoneOf,
        onExpired: (pairs) => {
          logger.warn(`analytics: ${pairs.length} site-day(s) past their raw retention got late events; their statistics are kept as they were`)
          this.emit('aggregation:expired-days', { pairs })
        },
      })
      const result = await this.track(
        runAggregation({
          batchSize: cfg.aggregation.batchSize,
          buffer: this.stoppable(),
          cfg,
          dirty,
          rollupsOf: (siteId) => rollups.get(String(siteId)) ?? NO_ROLLUPS,
          log: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
          observe: { dbLatency: (seconds, operation) => metrics.dbLatency(operation, seconds) },
          payload,
          timeZoneOf,
        }),
      )
      metrics.statsRowsWritten(result.rowsWritten)
      metrics.aggregationFinished(result.durationMs / 1000)
      this.emit('aggregation:end', { result, source })
      return result
    } catch (error) {
      this.emit('aggregation:error', { error, source })
      throw error
    }
  }

  /** The effective raw retention and time zone of every site, read fresh from the database (never a half-loaded directory). */
  private async siteSettings(): Promise<{
    ids: Array<number | string>
    retention: Map<string, number>
    rollups: Map<string, SiteRollups>
    sites: IngestSite[]
    timeZones: Map<string, string>
  }> {
    const sites = await loadIngestSites(this.args.payload, this.args.cfg)
    return {
      ids: sites.map((site) => site.id),
      sites,
      retention: new Map(sites.map((site) => [String(site.id), site.settings.retentionDays])),
      rollups: new Map(sites.map((site) => [String(site.id), rolledUpOf(site)])),
      timeZones: new Map(sites.map((site) => [String(site.id), site.settings.timeZone])),
    }
  }

  private async retention(source: JobSource, waitMs: null | number, options: ApplyRetentionOptions): Promise<RetentionResult | null> {
    const { cfg, logger, metrics, payload } = this.args
    const lease = await this.lease(this.retentionLock, waitMs)
    if (!lease) {
      this.emit('retention:skipped', { reason: this.closing ? 'closing' : 'locked', source })
      return null
    }
    try {
      const run = async () => {
        const { retention, timeZones } = await this.siteSettings()
        return applyRetention(payload, cfg, {
          batchSize: options.batchSize,
          now: options.now,
          observeDbLatency: (seconds) => metrics.dbLatency('retention', seconds),
          siteRetentionDays: retention,
          siteTimeZones: timeZones,
        })
      }
      const result = await this.track(run())
      const { dailyStats, events, monthlyStats, salts } = result
      logger.info(
        `analytics: retention deleted ${events.deleted} raw events (${events.batches} batches), ${dailyStats.deleted} daily-stats rows (before ${dailyStats.firstKeptDay}), ${monthlyStats.deleted} monthly-stats rows (before ${monthlyStats.firstKeptMonth}) and ${salts.deleted} salts in ${result.durationMs} ms`,
      )
      this.emit('retention:end', { result, source })
      return result
    } catch (error) {
      this.emit('retention:error', { error, source })
      throw error
    } finally {
      await lease.release()
    }
  }

  async aggregateNow(options: AggregateNowOptions = {}): Promise<AggregationResult> {
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS
    const result = await this.aggregate('manual', waitMs)
    if (!result) {
      throw new Error(this.closing ? 'analytics: the runtime is closing' : `analytics: another aggregation run held the lock for more than ${waitMs} ms`)
    }
    return result
  }

  async applyRetention(options: ApplyRetentionOptions = {}): Promise<RetentionResult> {
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS
    const result = await this.retention('manual', waitMs, options)
    if (!result) {
      throw new Error(this.closing ? 'analytics: the runtime is closing' : `analytics: another retention run held the lock for more than ${waitMs} ms`)
    }
    return result
  }

  async reaggregate(request: ReaggregateRequest): Promise<ReaggregateResult> {
    validateRange(request.from, request.to)
    const { ids, retention, rollups, timeZones } = await this.siteSettings()
    return this.track(
      reaggregate(this.args.payload, this.args.cfg, {
        ...request,
        siteRollups: rollups,
        observeDbLatency: (seconds, operation) => this.args.metrics.dbLatency(operation, seconds),
        siteIds: ids,
        siteRetentionDays: retention,
        siteTimeZones: timeZones,
      }),
    )
  }

  backfillVisits(): Promise<VisitsBackfillResult> {
    const { cfg, logger, metrics, payload } = this.args
    const none: VisitsBackfillResult = { recomputed: 0, siteIds: [] }
    const run = this.rezoneQueue.then(async () => {
      if (this.closing) return none
      try {
        const { ids, retention, rollups, timeZones } = await this.siteSettings()
        const result = await this.track(
          backfillVisits(payload, cfg, {
            observeDbLatency: (seconds, operation) => metrics.dbLatency(operation, seconds),
            siteIds: ids,
            siteRetentionDays: retention,
            siteRollups: rollups,
            siteTimeZones: timeZones,
          }),
        )
        if (result.siteIds.length > 0) logger.info(`analytics: visits rebuilt from raw events for site(s) ${result.siteIds.join(', ')} (${result.recomputed} days recomputed)`)
        return result
      } catch (error) {
        logger.error(`analytics: rebuilding the visits of days aggregated before the visits table failed: ${messageOf(error)} (retried at the next boot)`)
        return none
      }
    })
    this.rezoneQueue = run.then(() => undefined)
    return run
  }

  rezone(siteIds: ReadonlyArray<number | string>): Promise<void> {
    const { cfg, logger, metrics, payload } = this.args
    const runs = siteIds.map((siteId) => {
      const key = String(siteId)
      const queued = this.rezoning.get(key)
      if (queued || this.closing) return queued ?? Promise.resolve()
      // One site at a time: a change of the global default queues every site.
      const run = (this.rezoneQueue = this.rezoneQueue.then(async () => {
        if (this.closing) return
        try {
          const result = await this.track(rezoneSite(payload, cfg, siteId, { observeDbLatency: (seconds, operation) => metrics.dbLatency(operation, seconds) }))
          if (result.state) {
            logger.info(`analytics: site ${key}'s figures are now in ${result.state.applied} (${result.state.progress.total} days recomputed)`)
            this.emit('rezone:end', { siteId, state: result.state })
          }
          const goals = await this.track(rollUpGoals(payload, cfg, siteId, { observeDbLatency: (seconds, operation) => metrics.dbLatency(operation, seconds) }))
          if (goals.state) {
            logger.info(`analytics: site ${key}'s goals are rolled up (${goals.recomputed} days recomputed)`)
            this.emit('goals:end', { recomputed: goals.recomputed, siteId })
          }
        } catch (error) {
          logger.error(`analytics: recomputing site ${key} in its new time zone or for its goals failed: ${messageOf(error)} (retried by the next aggregation run)`)
          this.emit('rezone:error', { error, siteId })
        } finally {
          this.rezoning.delete(key)
        }
      }))
      this.rezoning.set(key, run)
      return run
    })
    return Promise.all(runs).then(() => undefined)
  }

  async eraseSite(siteId: number | string, options: EraseSiteOptions = {}): Promise<EraseSiteResult> {
    const { cfg, logger, payload } = this.args
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS
    // Under the single-run lock: no run inserts this site's events between the drain and the delete.
    const lease = await this.lease(this.aggregationLock, waitMs).catch((error: unknown) => {
      logger.warn(`analytics: erasing site ${String(siteId)} without the aggregation lock (${messageOf(error)})`)
      return null
    })
    if (!lease && this.closing) throw new Error('analytics: the runtime is closing')
    try {
      let drained = false
      if (lease && (options.drainBuffer ?? true)) {
        try {
          await this.aggregateLocked('erase')
          drained = true
        } catch (error) {
          logger.warn(`analytics: erasing site ${String(siteId)} without draining the buffer first (${messageOf(error)}); its buffered events are stored by a later run`)
        }
      }
      await eraseSiteAnalytics(payload, cfg, siteId)
      const listed = await this.dirty.list()
      const dirtyDaysCleared = await this.dirty.clear(listed.filter((pair) => String(pair.siteId) === String(siteId)))
      return { dirtyDaysCleared, drained }
    } finally {
      await lease?.release()
    }
  }
}
