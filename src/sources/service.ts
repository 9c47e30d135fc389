/**
 * The sources as the runtime offers them: `run()` (the nightly run, or a backfill with
 * `from`/`to`) with metrics and a one-line summary per connection in the log.
 */
import type { Payload } from 'payload'

import type { AnalyticsMetrics } from '../metrics/registry.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { SourceKind } from './kinds.js'
import type { SourcesRunOptions, SourcesRunResult } from './sync.js'

import { SOURCE_KINDS } from './kinds.js'
import { runSources } from './sync.js'

export interface SourcesService {
  /** Sync every mapped site (or those chosen): a failure of one never stops the others. */
  run(options?: SourcesRunOptions): Promise<SourcesRunResult>
}

export function createSourcesService(deps: { cfg: SanitizedAnalyticsConfig; metrics: AnalyticsMetrics; payload: Payload }): SourcesService {
  const { cfg, metrics, payload } = deps
  return {
    async run(options = {}) {
      const result = await runSources(payload, cfg, {
        ...options,
        onOutcome: (outcome) => {
          metrics.sourceRun(outcome.kind, outcome.status)
          options.onOutcome?.(outcome)
        },
      })
      await publishFailingRuns(payload, cfg, metrics)
      const count = (status: string) => result.outcomes.filter((outcome) => outcome.status === status).length
      payload.logger.info(`analytics: sources run: ${count('ok')} site(s) ok, ${count('skipped')} skipped, ${count('failed')} failed in ${result.durationMs} ms`)
      return result
    },
  }
}

/** The worst connection of each kind: its failed runs in a row (the alert fires at two). */
async function publishFailingRuns(payload: Payload, cfg: SanitizedAnalyticsConfig, metrics: AnalyticsMetrics): Promise<void> {
  const { docs } = await payload.find({ collection: cfg.slugs.sources, depth: 0, overrideAccess: true, pagination: false, select: { failedRuns: true, kind: true } } as Parameters<Payload['find']>[0])
  const worst = new Map<SourceKind, number>(SOURCE_KINDS.map((kind) => [kind, 0]))
  for (const doc of docs as unknown as Array<{ failedRuns?: null | number; kind: SourceKind }>) worst.set(doc.kind, Math.max(worst.get(doc.kind) ?? 0, doc.failedRuns ?? 0))
  for (const [kind, runs] of worst) metrics.sourceFailingRuns(kind, runs)
}
