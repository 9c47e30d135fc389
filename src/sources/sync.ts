/**
 * One run over the external sources: every connection, every site it maps, the days due
 * (the nightly run: yesterday for Matomo and Plausible, GSC's lagging days D-4…D-2 that are
 * not yet final; a backfill: the days asked for). Each (connection, site) succeeds or fails
 * on its own — an error is caught, reported with its reason and retried by the next run,
 * never stopping the others. Writes are idempotent per (site, day), so a run killed midway
 * and started again finishes without duplicates; days already complete are skipped.
 */
import type { Payload } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { RetryPolicy } from './http.js'
import type { SourceKind, SourceStatus } from './kinds.js'

import { relationId } from '../core/relationId.js'
import { addDays, eachDay, todayIn } from '../core/statsRange.js'
import { openCredential } from './credentials.js'
import { syncGscSite } from './gsc/sync.js'
import { DEFAULT_RETRY, safeMessage, SourceError } from './http.js'
import { syncMatomoSite } from './matomo.js'
import { syncPlausibleSite } from './plausibleApi.js'

type Id = number | string

export interface SourceSiteOutcome {
  days: number
  kind: SourceKind
  reason?: string
  rows: number
  siteId: Id
  sourceId: Id
  sourceName: string
  status: 'failed' | 'ok' | 'skipped'
}

export interface SourcesRunResult {
  durationMs: number
  outcomes: SourceSiteOutcome[]
}

export interface SourcesProgress {
  /** The day just finished. */
  day: string
  /** Days finished of the whole run, and how many it has. */
  done: number
  kind: SourceKind
  siteId: Id
  total: number
}

export interface SourcesRunOptions {
  /** First day of a backfill (`YYYY-MM-DD`); without it, the nightly days. */
  from?: string
  kind?: SourceKind
  /** "Now" (tests). */
  now?: Date
  onProgress?: (progress: SourcesProgress) => void
  /** Each site's outcome as it ends (metrics). */
  onOutcome?: (outcome: SourceSiteOutcome) => void
  retry?: RetryPolicy
  siteId?: Id
  to?: string
}

/** The context a connector syncs one site in. */
export interface SiteSyncContext {
  cfg: SanitizedAnalyticsConfig
  /** The connection's plain credential (never logged, never in an error). */
  credential: null | string
  /** The days to sync, oldest first; a connector may skip those already complete. */
  days: string[]
  /** Whether the days are the nightly ones (GSC then re-fetches what is not final). */
  nightly: boolean
  onDay: (day: string) => void
  payload: Payload
  remoteId: string
  retry: RetryPolicy
  siteId: Id
  source: SourceDoc
  tenantId: Id | null
}

export interface SourceDoc {
  baseUrl?: null | string
  failedRuns?: null | number
  id: Id
  kind: SourceKind
  name: string
  sites?: Array<{ remoteId: string; site: unknown }> | null
  status?: SourceStatus
}

/**
 * GSC's nightly window starts this many days back: D-2 and D-3 (the lag), and D-4 so a day
 * still partial the night before is fetched again (days stored final are skipped).
 */
const GSC_NIGHTLY_FROM = 4
/** Sites of one connection synced at once (each property has its own pacer). */
const SITE_CONCURRENCY = 4

/** Days a nightly run covers, per kind (GSC reports with a lag of two to three days). */
export function nightlyDays(kind: SourceKind, today: string): string[] {
  return kind === 'gsc' ? eachDay(addDays(today, -GSC_NIGHTLY_FROM), addDays(today, -2)) : [addDays(today, -1)]
}

const CONNECTORS: Record<SourceKind, (context: SiteSyncContext) => Promise<{ days: number; rows: number }>> = {
  gsc: syncGscSite,
  matomo: syncMatomoSite,
  plausible: syncPlausibleSite,
}

export async function runSources(payload: Payload, cfg: SanitizedAnalyticsConfig, options: SourcesRunOptions = {}): Promise<SourcesRunResult> {
  const started = Date.now()
  const today = todayIn(options.now ?? new Date())
  const { docs } = await payload.find({
    collection: cfg.slugs.sources,
    depth: 0,
    overrideAccess: true,
    pagination: false,
    where: options.kind ? { kind: { equals: options.kind } } : undefined,
  } as Parameters<Payload['find']>[0])
  const sources = docs as unknown as SourceDoc[]
  const tenants = await siteTenants(payload, cfg)
  const planned = sources.flatMap((source) =>
    (source.sites ?? [])
      .map((row) => ({ remoteId: row.remoteId, siteId: relationId(row.site), source }))
      .filter((entry): entry is { remoteId: string; siteId: Id; source: SourceDoc } => entry.siteId !== null)
      .filter((entry) => options.siteId === undefined || String(entry.siteId) === String(options.siteId)),
  )
  const daysOf = (kind: SourceKind) => (options.from && options.to ? eachDay(options.from, options.to) : nightlyDays(kind, today))
  const total = planned.reduce((sum, entry) => sum + daysOf(entry.source.kind).length, 0)
  let done = 0
  const outcomes: SourceSiteOutcome[] = []

  for (const source of sources) {
    const entries = planned.filter((entry) => entry.source === source)
    if (entries.length === 0) continue
    let credential: null | string = null
    // Not set up yet (no key, not connected): skipped. Set up but unusable: failed.
    let skipReason: null | string = null
    let failReason: null | string = null
    try {
      credential = await openCredential(payload, cfg, source.id)
      if (credential === null) skipReason = source.kind === 'gsc' ? 'Not connected to a Google account yet (Connect)' : 'No credential stored'
    } catch (error) {
      failReason = safeMessage(error)
    }
    let reconnect = source.status === 'reconnect' && source.kind === 'gsc'
    const syncEntry = async (entry: (typeof entries)[number]): Promise<SourceSiteOutcome> => {
      const days = daysOf(source.kind)
      const base = { kind: source.kind, siteId: entry.siteId, sourceId: source.id, sourceName: source.name }
      let outcome: SourceSiteOutcome
      if (reconnect) failReason = 'The Google account must be reconnected'
      if (failReason || skipReason) {
        outcome = { ...base, days: 0, reason: (failReason ?? skipReason)!, rows: 0, status: failReason ? 'failed' : 'skipped' }
        done += days.length
      } else {
        try {
          const counted = await CONNECTORS[source.kind]({
            cfg,
            credential,
            days,
            nightly: !options.from,
            onDay: (day) => {
              done++
              options.onProgress?.({ day, done, kind: source.kind, siteId: entry.siteId, total })
            },
            payload,
            remoteId: entry.remoteId,
            retry: options.retry ?? DEFAULT_RETRY,
            siteId: entry.siteId,
            source,
            tenantId: tenants.get(String(entry.siteId)) ?? null,
          })
          outcome = { ...base, ...counted, status: 'ok' }
        } catch (error) {
          if (error instanceof SourceError && error.failure === 'reconnect') reconnect = true
          outcome = { ...base, days: 0, reason: safeMessage(error), rows: 0, status: 'failed' }
          payload.logger.warn(`analytics: source "${source.name}" (${source.kind}) failed for site ${String(entry.siteId)}: ${outcome.reason}`)
        }
      }
      options.onOutcome?.(outcome)
      return outcome
    }
    // A few sites at a time, results kept in the connection's order of sites.
    const results: SourceSiteOutcome[] = new Array(entries.length)
    let next = 0
    const worker = async () => {
      while (next < entries.length) {
        const index = next++
        results[index] = await syncEntry(entries[index]!)
      }
    }
    await Promise.all(Array.from({ length: Math.min(SITE_CONCURRENCY, entries.length) }, worker))
    outcomes.push(...results)
    await recordRun(payload, cfg, source, results, reconnect)
  }
  return { durationMs: Date.now() - started, outcomes }
}

/** The connection's state after a run: its status, last error and failed runs in a row. */
async function recordRun(payload: Payload, cfg: SanitizedAnalyticsConfig, source: SourceDoc, results: SourceSiteOutcome[], reconnect: boolean): Promise<void> {
  const failure = results.find((result) => result.status === 'failed')
  const status: SourceStatus = reconnect ? 'reconnect' : failure ? 'failing' : 'ok'
  await payload.update({
    collection: cfg.slugs.sources,
    context: { analyticsInternal: true },
    data: {
      failedRuns: failure ? (source.failedRuns ?? 0) + 1 : 0,
      lastError: failure?.reason ?? null,
      lastRunAt: new Date().toISOString(),
      lastSummary: results.map(({ days, reason, rows, siteId, status: siteStatus }) => ({ days, reason, rows, siteId, status: siteStatus })),
      status,
    },
    depth: 0,
    id: source.id,
    overrideAccess: true,
  } as Parameters<Payload['update']>[0])
}

/** Each site's tenant (for the rows' `tenant`), or an empty map without tenancy. */
async function siteTenants(payload: Payload, cfg: SanitizedAnalyticsConfig): Promise<Map<string, Id | null>> {
  if (!cfg.tenantsCollection) return new Map()
  const { docs } = await payload.find({ collection: cfg.slugs.sites, depth: 0, overrideAccess: true, pagination: false, select: { [cfg.sites.tenantField]: true } } as Parameters<Payload['find']>[0])
  return new Map((docs as unknown as Array<Record<string, unknown> & { id: Id }>).map((doc) => [String(doc.id), relationId(doc[cfg.sites.tenantField])]))
}
