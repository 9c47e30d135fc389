import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

import type { DbOperation, RejectedReason } from './names.js'

import { withTimeout } from '../core/time.js'
import { eventTypeLabel, METRIC_NAMES, REJECTED_REASONS } from './names.js'

/** Reaches 10 s with 2 s as a boundary, so the "p95 above 2 s" alert is exact. */
export const DB_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]

/** A run drains the whole buffer: from a fraction of a second to minutes after a backlog. */
export const AGGREGATION_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

const REDUNDANT_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** A scrape never waits longer than this for the buffer's length. */
const QUEUE_READ_TIMEOUT_MS = 2_000
const WARN_INTERVAL_MS = 60_000
/** Labelled series of accepted events kept at hand (see `eventAccepted`). */
const MAX_CACHED_SERIES = 10_000

export interface AnalyticsMetricsOptions {
  /** Warnings (the queue length could not be read), throttled. */
  logger?: { warn: (message: string) => void }
  /**
   * Label accepted events with `tenant` and `site`. Off for very large portfolios: one
   * series per site and event type is what a Prometheus server stores.
   * @default true
   */
  siteLabels?: boolean
}

/**
 * The plugin's metrics on a registry of their own (never prom-client's global one, so
 * several Payload instances in one process, and tests, do not collide), plus Node's
 * default metrics. The rest of the plugin records through these methods only.
 */
export interface AnalyticsMetrics {
  /** A successful aggregation run that took `seconds`; also stamps the last-success time. */
  aggregationFinished(seconds: number): void
  /** One database call of the aggregation, retention or stats queries. */
  dbLatency(operation: DbOperation, seconds: number): void
  /** An event accepted into the buffer (tracker or server-side). */
  eventAccepted(type: string, siteId: number | string, tenantId: null | number | string): void
  /** A refused request, a dropped event (bot, opt-out…) or a malformed buffer entry. */
  eventRejected(reason: RejectedReason): void
  /** The registry, for `metrics()` and `contentType`. */
  readonly registry: Registry
  /**
   * Where `analytics_queue_pending` reads the number of unacknowledged entries at scrape
   * time (`buffer.pending()`: XLEN, the same number on every instance).
   */
  setQueueSource(pending: () => Promise<number>): void
  /** Daily-stats rows written (inserted or replaced) by a recomputation. */
  statsRowsWritten(count: number): void
  /** One site's sync by an external source, and how it ended. */
  sourceRun(source: string, status: 'failed' | 'ok' | 'skipped'): void
  /** Runs in a row the worst connection of a kind has failed. */
  sourceFailingRuns(source: string, runs: number): void
  /** Times `fn` as `operation`, whether it succeeds or throws, and returns its result. */
  timeDb<T>(operation: DbOperation, fn: () => Promise<T>): Promise<T>
}


export function createAnalyticsMetrics(options: AnalyticsMetricsOptions = {}): AnalyticsMetrics {
  const siteLabels = options.siteLabels ?? true
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  // Gauges named like counters, which `promtool check metrics` refuses; each is the sum of
  // its labelled twin (`nodejs_active_handles{type}`…), so nothing is lost.
  for (const name of REDUNDANT_DEFAULT_METRICS) registry.removeSingleMetric(name)

  const events = new Counter({
    help: 'Events accepted into the buffer, by type (custom names as "custom")' + (siteLabels ? ', tenant and site.' : '.'),
    labelNames: siteLabels ? ['type', 'tenant', 'site'] : ['type'],
    name: METRIC_NAMES.events,
    registers,
  })

  const rejected = new Counter({
    help: 'Tracking requests refused (bad request, unknown site, rate limit…), events dropped (bot, Do-Not-Track, excluded path, automation) and malformed buffer entries, by reason.',
    labelNames: ['reason'],
    name: METRIC_NAMES.eventsRejected,
    registers,
  })
  // Every reason from the start: rate() and the dashboard see 0 rather than no series.
  for (const reason of REJECTED_REASONS) rejected.inc({ reason }, 0)

  const dailyStats = new Counter({
    help: 'Daily-stats rows written by the aggregation.',
    name: METRIC_NAMES.dailyStats,
    registers,
  })

  const dbLatency = new Histogram({
    buckets: DB_LATENCY_BUCKETS,
    help: 'Duration of the database calls of the aggregation, retention and stats queries, by operation.',
    labelNames: ['operation'],
    name: METRIC_NAMES.dbLatency,
    registers,
  })

  const aggregationDuration = new Histogram({
    buckets: AGGREGATION_DURATION_BUCKETS,
    help: 'Duration of successful aggregation runs (buffer to daily stats).',
    name: METRIC_NAMES.aggregationDuration,
    registers,
  })

  const sourceRuns = new Counter({
    help: 'Sites synced from an external source (Search Console, Matomo, Plausible), by source kind and outcome.',
    labelNames: ['source', 'status'],
    name: METRIC_NAMES.sourceRuns,
    registers,
  })
  const sourceFailing = new Gauge({
    help: 'Runs in a row in which a connection of this kind failed (its worst connection; 0 when the last run went well). Take max() across instances.',
    labelNames: ['source'],
    name: METRIC_NAMES.sourceFailingRuns,
    registers,
  })
  const lastSuccess = new Gauge({
    help: 'Unix time of the last successful aggregation run on this instance (0 before the first); take max() across instances.',
    name: METRIC_NAMES.aggregationLastSuccess,
    registers,
  })

  let queueSource: (() => Promise<number>) | null = null
  let lastWarning = 0
  new Gauge({
    // An unreadable length is reported as NaN, not as the last value read: a stale number
    // would keep a resolved backlog alert firing, or hide one that is growing. While the
    // buffer is unreachable, tracking answers 503 and the `unavailable` rejections say so.
    async collect() {
      if (!queueSource) {
        this.set(Number.NaN)
        return
      }
      try {
        this.set(await withTimeout(queueSource(), QUEUE_READ_TIMEOUT_MS, () => new Error(`no answer within ${QUEUE_READ_TIMEOUT_MS} ms`)))
      } catch (error) {
        this.set(Number.NaN)
        const now = Date.now()
        if (now - lastWarning >= WARN_INTERVAL_MS) {
          lastWarning = now
          options.logger?.warn(`analytics: ${METRIC_NAMES.queuePending} could not read the buffer length (${error instanceof Error ? error.message : String(error)}); reporting NaN`)
        }
      }
    },
    help: 'Buffered events not yet aggregated and acknowledged (the Redis stream length, the same on every instance); NaN when the buffer cannot be read.',
    name: METRIC_NAMES.queuePending,
    registers,
  })

  const acceptedSeries = new Map<string, { inc(): void }>()

  const dbLatencyFn = (operation: DbOperation, seconds: number) => dbLatency.observe({ operation }, seconds)

  return {
    aggregationFinished(seconds) {
      aggregationDuration.observe(seconds)
      lastSuccess.set(Date.now() / 1000)
    },
    dbLatency: dbLatencyFn,
    eventAccepted(type, siteId, tenantId) {
      // One labelled child per series, looked up by a plain key: prom-client would otherwise
      // sort and join the labels on every tracked event.
      const typeLabel = eventTypeLabel(type)
      const key = siteLabels ? `${typeLabel}\n${siteId}\n${tenantId ?? ''}` : typeLabel
      let child = acceptedSeries.get(key)
      if (!child) {
        child = siteLabels
          ? events.labels({ site: String(siteId), tenant: tenantId === null ? '' : String(tenantId), type: typeLabel })
          : events.labels({ type: typeLabel })
        // A bound for very large portfolios: past it, series are looked up the slow way.
        if (acceptedSeries.size < MAX_CACHED_SERIES) acceptedSeries.set(key, child)
      }
      child.inc()
    },
    eventRejected(reason) {
      rejected.inc({ reason })
    },
    registry,
    setQueueSource(pending) {
      queueSource = pending
    },
    sourceFailingRuns(source, runs) {
      sourceFailing.set({ source }, runs)
    },
    sourceRun(source, status) {
      sourceRuns.inc({ source, status })
    },
    statsRowsWritten(count) {
      if (count > 0) dailyStats.inc(count)
    },
    async timeDb(operation, fn) {
      const start = process.hrtime.bigint()
      try {
        return await fn()
      } finally {
        dbLatencyFn(operation, Number(process.hrtime.bigint() - start) / 1e9)
      }
    },
  }
}
