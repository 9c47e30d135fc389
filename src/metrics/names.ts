/**
 * The names and label values of the plugin's Prometheus metrics, in one place: the
 * registry, the shipped alert rules (`prometheus/alerts.yml`) and the Grafana dashboard
 * (`grafana/analytics-overview.json`) use these, and their tests check it.
 * No prom-client import here, so anything may read them.
 */
import type { DropReason } from '../core/enrich.js'
import type { RejectReason } from '../ingest/trackHandler.js'

import { DROP_REASONS } from '../core/enrich.js'
import { isBuiltInEventType } from '../core/eventTypes.js'

export const METRIC_NAMES = {
  /** Counter of accepted events; labels `type`, `tenant`, `site` (the last two optional). */
  events: 'analytics_events_total',
  /** Counter of refused, dropped and malformed events; label `reason`. */
  eventsRejected: 'analytics_events_rejected_total',
  /** Counter of daily-stats rows written by the aggregation. */
  dailyStats: 'analytics_daily_stats_total',
  /** Histogram of the aggregation's database calls; label `operation`. */
  dbLatency: 'analytics_db_latency_seconds',
  /** Gauge: entries in the buffer not yet acknowledged, read from the buffer at scrape time. */
  queuePending: 'analytics_queue_pending',
  /** Histogram of successful aggregation runs. */
  aggregationDuration: 'analytics_aggregation_duration_seconds',
  /** Gauge: Unix time of this instance's last successful aggregation run (0 before the first). */
  aggregationLastSuccess: 'analytics_aggregation_last_success_timestamp_seconds',
  /** Counter of a site's sync by an external source (nightly or `sources sync`); labels `source` (gsc, matomo, plausible), `status` (ok, skipped, failed). */
  sourceRuns: 'analytics_source_runs_total',
  /** Gauge: runs in a row in which a connection of that kind failed, its worst connection (0: the last run went well); label `source`. */
  sourceFailingRuns: 'analytics_source_failing_runs',
} as const

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES]

/** The database operations timed by `analytics_db_latency_seconds` (its `operation` label). */
export const DB_OPERATIONS = ['insert', 'recompute', 'retention', 'query'] as const
export type DbOperation = (typeof DB_OPERATIONS)[number]

/** Every `RejectReason` of the track handler, listed so the counter can start them at 0. */
const REQUEST_REJECT_REASONS = [
  'bad-request',
  'body-timeout',
  'body-too-large',
  'busy',
  'hostname',
  'rate-limited',
  'tracking-disabled',
  'unavailable',
  'unknown-site',
] as const satisfies readonly RejectReason[]

// Fails to compile when the track handler gains a reason this list lacks.
type MissingRejectReason = Exclude<RejectReason, (typeof REQUEST_REJECT_REASONS)[number]>
const everyRejectReasonListed: [MissingRejectReason] extends [never] ? true : MissingRejectReason = true
void everyRejectReasonListed

/** `malformed`: a buffer entry that could not be decoded and was removed by the aggregation. */
export type RejectedReason = DropReason | RejectReason | 'malformed'

/** Every value of the `reason` label of `analytics_events_rejected_total`. */
export const REJECTED_REASONS: readonly RejectedReason[] = [...REQUEST_REJECT_REASONS, ...DROP_REASONS, 'malformed']

/** `type` label of a custom event: custom names are unbounded, so they share one value. */
export const CUSTOM_TYPE_LABEL = 'custom'

/** The `type` label of an event type: built-in types by name, every custom name as `custom`. */
export const eventTypeLabel = (type: string): string => (isBuiltInEventType(type) ? type : CUSTOM_TYPE_LABEL)
