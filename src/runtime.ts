import type { Redis } from 'ioredis'
import type { Payload, PayloadRequest } from 'payload'

import type { AggregationResult } from '../jobs/aggregate.js'
import type { ReaggregateResult } from '../jobs/reaggregate.js'
import type { RetentionResult } from '../jobs/retention.js'
import type {
  AggregateNowOptions,
  AnalyticsJobs,
  ApplyRetentionOptions,
  EraseSiteOptions,
  EraseSiteResult,
  ReaggregateRequest,
} from '../jobs/scheduler.js'
import type { EventBuffer } from './buffer/types.js'
import type { AnalyticsMetrics } from './metrics/registry.js'
import type { SaltStore } from './buffer/saltStore.js'
import type { ServerEventInput } from './core/trackSchema.js'
import type { IngestRequest } from './ingest/trackHandler.js'
import type { SourceHealth } from './sourceHealth.js'
import type { StatsServiceInternals } from './stats/service.js'
import type { SanitizedAnalyticsConfig } from './types.js'

import { needsSiteRecompute } from '../jobs/goalRollup.js'
import { createAnalyticsJobs, JOBS_ENV } from '../jobs/scheduler.js'
import { createEventBuffer } from './buffer/index.js'
import { BufferError } from './buffer/errors.js'
import { createFailFastRedis, waitForReady } from './buffer/redisClient.js'
import { createSaltStore } from './buffer/saltStore.js'
import { openCountryLookup } from './core/country.js'
import { enrichServerEvent } from './core/enrich.js'
import { createAnalyticsMetrics } from './metrics/registry.js'
import { parseServerEvent } from './core/trackSchema.js'
import { RedisSiteSync, SiteDirectory } from './ingest/siteDirectory.js'
import { loadIngestSites } from './ingest/siteLoader.js'
import { createPostgresSaltStore } from './store/postgresSaltStore.js'
import { createApiKeyAuth, type ApiKeyAuth } from './apiKeys/authenticate.js'
import { createPlausibleEventHandler } from './ingest/plausibleEventHandler.js'
import { createIngestCore, createTrackReplyHandler, replyToResponse } from './ingest/trackHandler.js'
import { createMemoryRejectionLog, createRedisRejectionLog, type RejectionLog } from './ingest/rejectionLog.js'
import { createMemoryStatsCache, createRedisStatsCache } from './stats/cache.js'
import { createReportsService, type ReportsService } from './reports/service.js'
import { createSourcesService, type SourcesService } from './sources/service.js'
import { createSourceHealth } from './sourceHealth.js'
import { effectiveGoals } from './core/goals.js'
import { createStatsService } from './stats/service.js'

/** How long after a settings change its time-zone recompute starts (the change's transaction commits first). */
const REZONE_DELAY_MS = 1_000

/** Raised by `track()` for input a caller must fix; the message says what. */
export class AnalyticsInputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404,
  ) {
    super(message)
    this.name = 'AnalyticsInputError'
  }
}

/** The plugin's live parts on a running Payload instance: `payload.analytics`. */
export interface AnalyticsRuntime {
  /**
   * Run one aggregation (buffer → raw events → daily stats) now, in this process, after any
   * run in progress on any instance has finished (the single-run lock).
   */
  aggregateNow(options?: AggregateNowOptions): Promise<AggregationResult>
  /** Delete raw events, daily stats and salts past their retention now (bounded batches). */
  applyRetention(options?: ApplyRetentionOptions): Promise<RetentionResult>
  /** `Authorization: Bearer <key>` for the read APIs (the API keys collection). */
  apiKeys: ApiKeyAuth
  buffer: EventBuffer
  /** Stops the jobs (a run in progress finishes its batch and recompute, or is abandoned after 30 s), then the buffer and Redis. */
  close(): Promise<void>
  readonly config: SanitizedAnalyticsConfig
  /**
   * Erase every analytics row of one site (raw events, daily stats, settings) and its dirty
   * days, after draining the buffer so its buffered events go too.
   */
  eraseSite(siteId: number | string, options?: EraseSiteOptions): Promise<EraseSiteResult>
  /** Plausible's Events API (`POST /api/event`) over the same pipeline as `handleTrack`. */
  handleEvent(request: IngestRequest, info?: { remoteAddress?: null | string }): Promise<Response>
  /** The same as a plain reply, for handlers that write to a Node response themselves. */
  handleEventReply: ReturnType<typeof createPlausibleEventHandler>
  handleTrack(request: IngestRequest, info?: { remoteAddress?: null | string }): Promise<Response>
  /** The same as a plain reply, for handlers that write to a Node response themselves. */
  handleTrackReply: ReturnType<typeof createTrackReplyHandler>
  /** Whether Postgres and Redis answer (asked when a request failed, and by the admin views). */
  health: SourceHealth
  /** The aggregation and retention jobs: BullMQ queue and worker, or in-process timers; event hooks. */
  jobs: AnalyticsJobs
  /** This instance's Prometheus metrics (its own registry), served at `/api/analytics/metrics`. */
  metrics: AnalyticsMetrics
  /**
   * Recompute the daily stats of a site (or `'all'`) for every day from `from` to `to`
   * (`YYYY-MM-DD`, UTC) from the raw events; idempotent. Days past the raw retention have no
   * raw events and are left as they are (`beyondRetention`).
   */
  reaggregate(request: ReaggregateRequest): Promise<ReaggregateResult>
  redis: null | Redis
  /** The last refusals of each site, for its Analytics tab (Redis when configured, else this process). */
  rejections: RejectionLog
  /** Scheduled reports: `runDue()` sends what is due (the job system calls it every minute). */
  reports: ReportsService
  /** Re-read every site and its settings (after a change) and share them with every instance. */
  refreshSites(req?: PayloadRequest): Promise<void>
  salts: SaltStore
  sites: SiteDirectory
  /** External sources (Search Console, Matomo, Plausible): the nightly run, or a backfill. */
  sources: SourcesService
  /**
   * The stats query service: totals, series, breakdowns, comparisons, realtime, exports —
   * what the REST API, the admin views and the CLI read. Results are cached (Redis, 5 min)
   * and invalidated per site whenever the aggregation rewrites that site's daily stats.
   */
  stats: StatsServiceInternals
  /**
   * Record an event that happened on the server (an automation run, AI token usage, a
   * completed export, a form submission). Validated like tracker events; throws
   * `AnalyticsInputError` for bad input, an unknown site or a site with tracking off.
   */
  track(input: ServerEventInput): Promise<{ eventId: string }>
}

declare module 'payload' {
  interface BasePayload {
    /** Set by payload-plugin-analytics when it is enabled. */
    analytics?: AnalyticsRuntime
  }
}

export async function createAnalyticsRuntime(payload: Payload, cfg: SanitizedAnalyticsConfig): Promise<AnalyticsRuntime> {
  const logger = { info: (message: string) => payload.logger.info(message), warn: (message: string) => payload.logger.warn(message) }

  let redis: null | Redis = null
  if (cfg.redisUrl) {
    // No auto-pipelining: the buffer already sends the tracking requests that arrive
    // together as one command, and ioredis's pipelining would only add its own cost to it.
    redis = createFailFastRedis(cfg.redisUrl)
    redis.on('error', () => undefined) // the buffer and the endpoint report unavailability themselves
    if (!(await waitForReady(redis, 2_000))) logger.warn('analytics: Redis is not reachable yet; tracking answers 503 until it is')
  }

  // Payload's Postgres pool has no 'error' listener: when Postgres restarts, an idle pooled
  // connection's error is an uncaught exception that ends the process (the aggregation worker
  // included). Log it instead; the pool opens new connections by itself.
  type Emitter = { listenerCount(event: string): number; on(event: string, listener: (value: never) => void): void }
  const pool = (payload.db as { pool?: Emitter }).pool
  if (pool && pool.listenerCount('error') === 0) {
    pool.on('error', (error: Error) => payload.logger.warn(`analytics: an idle Postgres connection failed (${error.message}); the pool reconnects`))
    // A checked-out connection (a transaction, a COPY) has no listener either: the pool takes
    // its own off at checkout. Its queries are rejected with the error; the event itself is
    // only logged, once per connection, so a restart of Postgres mid-run fails the run only.
    const guarded = new WeakSet<object>()
    pool.on('acquire', (client: Emitter) => {
      if (guarded.has(client)) return
      guarded.add(client)
      client.on('error', (error: Error) => payload.logger.warn(`analytics: a Postgres connection in use failed (${error.message})`))
    })
  }

  const metrics = createAnalyticsMetrics({ logger, siteLabels: cfg.metrics.siteLabels })
  const keyPrefix = cfg.redisKeyPrefix
  const buffer = await createEventBuffer({ keyPrefix, logger, onMalformed: () => metrics.eventRejected('malformed'), redis })
  metrics.setQueueSource(() => buffer.pending())
  const salts = redis ? createSaltStore({ keyPrefix, redis }) : createPostgresSaltStore(payload, cfg)
  const sites = new SiteDirectory()
  const siteSync = redis ? new RedisSiteSync(redis, sites, { keyPrefix }) : null
  const geoLookup = await openCountryLookup(cfg.ingest.geoipDatabase, cfg.ingest.countryHeaders)

  let cacheWarned = false
  const statsCache = redis
    ? createRedisStatsCache(redis, keyPrefix, (error) => {
        // Once per process: a Redis outage makes every request a cache miss, not an error.
        if (!cacheWarned) logger.warn(`analytics: the stats cache is unavailable (${error.message}); stats are computed uncached`)
        cacheWarned = true
      })
    : createMemoryStatsCache()
  const stats = createStatsService({
    buffer,
    cache: statsCache,
    cfg,
    conversionEvents: (siteId) => sites.get(String(siteId))?.settings.conversionEvents ?? cfg.defaults.conversionEvents,
    funnels: (siteId) => sites.get(String(siteId))?.settings.funnels ?? [],
    goalRollup: (siteId) => sites.get(String(siteId))?.settings.goalRollup ?? null,
    goals: (siteId) => sites.get(String(siteId))?.settings.goals ?? effectiveGoals([], cfg.defaults.conversionEvents),
    payload,
    rawRetentionDays: (siteId) => sites.get(String(siteId))?.settings.retentionDays ?? cfg.retention.eventsDays,
    rolledUpProps: (siteId) => sites.get(String(siteId))?.settings.rolledUpProps ?? [],
    siteTimeZone: (siteId) => {
      const settings = sites.get(String(siteId))?.settings
      return { state: settings?.timeZoneState ?? null, timeZone: settings?.timeZone ?? cfg.defaults.timeZone }
    },
  })

  let jobsRef: AnalyticsJobs | null = null
  const refreshSites = async (req?: PayloadRequest) => {
    const all = await loadIngestSites(payload, cfg, req)
    sites.replaceAll(all)
    const ambiguous = sites.ambiguousDomains()
    if (ambiguous.length) {
      logger.warn(`analytics: events addressed by these domains are refused until one site each claims them: ${ambiguous.slice(0, 5).join(', ')}`)
    }
    // A change of time zone or of goals: its recompute in the background, once the change is committed
    // (a hook's refresh runs inside the change's transaction; the job reads committed rows).
    const rezone = all.filter(needsSiteRecompute).map((site) => site.id)
    if (jobsRef && rezone.length > 0 && process.env[JOBS_ENV] !== 'manual') {
      const jobsNow = jobsRef
      setTimeout(() => void jobsNow.rezone(rezone), REZONE_DELAY_MS).unref()
    }
    // Settings such as the conversion events change what cached stats say.
    await stats.invalidate('all')
    if (siteSync) {
      await siteSync.publish(all, { complete: true }).catch((error: Error) => {
        logger.warn(`analytics: could not share site settings through Redis (${error.message}); standalone ingest servers keep their last copy`)
      })
    }
  }

  // Tables may not exist yet (migrations not run): keep trying in the background rather
  // than keep the app from starting.
  const loadAtStart = async (attempt: number): Promise<void> => {
    try {
      await refreshSites()
    } catch (error) {
      if (attempt === 0) {
        logger.warn(`analytics: could not load the sites (${(error as Error).message.split('\n')[0]}); have the migrations run? Retrying every 10 s`)
      }
      retryTimer = setTimeout(() => void loadAtStart(attempt + 1), 10_000)
      retryTimer.unref()
    }
  }
  let retryTimer: NodeJS.Timeout | null = null
  await loadAtStart(0)
  if (siteSync) await siteSync.subscribe({ initialLoad: sites.size === 0 }).catch((error: Error) => logger.warn(`analytics: site updates from other instances are off: ${error.message}`))

  const rejections = redis ? createRedisRejectionLog(redis, keyPrefix) : createMemoryRejectionLog()
  const ingestCore = createIngestCore({
    buffer,
    countryHeaders: cfg.ingest.countryHeaders,
    explainRejections: cfg.ingest.explainRejections,
    geoLookup,
    ipHeaders: cfg.ingest.ipHeaders,
    logError: (message) => payload.logger.error(message),
    observe: {
      accepted: (type, siteId, tenantId) => metrics.eventAccepted(type, siteId, tenantId),
      dropped: (reason) => metrics.eventRejected(reason),
      rejected: (reason) => metrics.eventRejected(reason),
    },
    rateLimits: cfg.ingest.rateLimits,
    rejections,
    salts,
    sessionIdleSeconds: cfg.ingest.sessionIdleSeconds,
    sites,
    trustProxy: cfg.ingest.trustProxy,
  })
  const handleTrackReply = createTrackReplyHandler(ingestCore)
  const handleEventReply = createPlausibleEventHandler(ingestCore)

  const reports = createReportsService({ cfg, payload, stats })
  const sources = createSourcesService({ cfg, metrics, payload })
  const jobs = createAnalyticsJobs({
    buffer,
    cfg,
    logger: { error: (message) => payload.logger.error(message), info: logger.info, warn: logger.warn },
    metrics,
    payload,
    redis,
    reportsTick: async () => {
      await reports.runDue()
      await reports.checkAlerts()
    },
    sites,
    sourcesTick: () => sources.run(),
  })
  jobsRef = jobs
  // The rows are in the new zone: its state reaches every instance's directory, cached stats go.
  jobs.on('rezone:end', ({ siteId }) => {
    void stats.invalidate([siteId])
    void refreshSites().catch((error: Error) => logger.warn(`analytics: could not refresh the sites after a change of time zone: ${error.message}`))
  })
  // The goals' rows are complete: the state reaches the directory (goals are read from rows now), cached stats go.
  jobs.on('goals:end', ({ siteId }) => {
    void stats.invalidate([siteId])
    void refreshSites().catch((error: Error) => logger.warn(`analytics: could not refresh the sites after a change of goals: ${error.message}`))
  })
  // Whichever instance rewrote daily stats invalidates the cached results of those sites.
  jobs.on('aggregation:end', ({ result }) => void stats.invalidate(result.recomputed.map((pair) => pair.siteId)))
  jobs.on('retention:end', () => void stats.invalidate('all'))

  // The CLI boots Payload with this set and starts only what its command needs.
  if (process.env[JOBS_ENV] !== 'manual') {
    await jobs.start()
    const pending = [...sites.all()].filter(needsSiteRecompute).map((site) => site.id)
    if (pending.length > 0) void jobs.rezone(pending)
    // Days aggregated before the visits table existed (an upgrade): filters refuse them until rebuilt.
    void jobs.backfillVisits()
  }

  return {
    async aggregateNow(options) {
      const result = await jobs.aggregateNow(options)
      // Done before returning (the event's listener does not wait): a caller reads fresh stats next.
      await stats.invalidate(result.recomputed.map((pair) => pair.siteId))
      return result
    },
    async applyRetention(options) {
      const result = await jobs.applyRetention(options)
      await stats.invalidate('all')
      return result
    },
    apiKeys: createApiKeyAuth({ cfg, payload, redis }),
    buffer,
    async close() {
      if (retryTimer) clearTimeout(retryTimer)
      await jobs.close()
      await siteSync?.close()
      await buffer.close()
      redis?.disconnect()
    },
    config: cfg,
    async eraseSite(siteId, options) {
      const result = await jobs.eraseSite(siteId, options)
      await stats.invalidate([siteId])
      return result
    },
    handleEvent: async (request, info) => replyToResponse(await handleEventReply(request, info)),
    handleEventReply,
    handleTrack: async (request, info) => replyToResponse(await handleTrackReply(request, info)),
    handleTrackReply,
    health: createSourceHealth(payload, redis),
    jobs,
    metrics,
    async reaggregate(request) {
      const result = await jobs.reaggregate(request)
      await stats.invalidate(request.site === 'all' ? 'all' : [request.site])
      return result
    },
    redis,
    rejections,
    refreshSites,
    reports,
    salts,
    sites,
    sources,
    stats,
    async track(input) {
      // Server-side events are counted like the tracker's, under the same reasons.
      const refuse = (reason: 'bad-request' | 'tracking-disabled' | 'unknown-site', message: string, status: 400 | 403 | 404) => {
        metrics.eventRejected(reason)
        return new AnalyticsInputError(message, status)
      }
      const parsed = parseServerEvent(input)
      if (!parsed.ok) throw refuse('bad-request', parsed.error, 400)
      const site = sites.get(String(parsed.event.siteId))
      if (!site) throw refuse('unknown-site', `Unknown site "${String(parsed.event.siteId)}"`, 404)
      const result = enrichServerEvent({ event: parsed.event, now: new Date(), settings: site.settings, site })
      if ('reject' in result) throw refuse(result.reject === 403 ? 'tracking-disabled' : 'bad-request', result.error, result.reject)
      await buffer.append([result.event]).catch((error: unknown) => {
        if (error instanceof BufferError) metrics.eventRejected('unavailable')
        throw error
      })
      metrics.eventAccepted(result.event.type, site.id, site.tenantId)
      return { eventId: result.event.eventId }
    },
  }
}
