/**
 * The aggregation's store layer, measured on a fresh embedded Postgres and redis-server:
 *   tsx bench/aggregateStore.ts
 *
 * 1. `insertEvents`: 5,000-event batches (one COPY each) into AnalyticsEvents;
 * 2. `recomputeDailyStats`: one (site, day) of ~3,300 events, several times;
 * 3. the pipeline (`runAggregation`): BENCH_EVENTS events over 10 sites and 30 days appended
 *    to the Redis buffer, then buffer → events → daily stats, timed, with this process's peak
 *    RSS sampled during the run.
 *
 * Environment (optional): BENCH_EVENTS=300000 (pipeline events; the issue's target is
 * 1,000,000), BENCH_INSERT_BATCHES=20, BENCH_RECOMPUTE_RUNS=7, BENCH_BATCH_SIZE=5000,
 * BENCH_CONCURRENCY=2 (recompute), BENCH_INSERT_CONCURRENCY=2, BENCH_SKIP_PIPELINE=1,
 * BENCH_LEAN_SCHEMA=1 (an experiment: drop analytics_events' timestamp index first).
 * Progress goes to stdout; the LAST line is one JSON object with the figures (medians).
 */
import type { Payload } from 'payload'

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPayload } from 'payload'

import type { AnalyticsEvent } from '../src/core/event.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { runAggregation } from '../jobs/aggregate.js'
import { startPostgres, startRedis } from '../scripts/services.js'
import { createDirtyDays } from '../src/store/dirtyDays.js'
import { insertEvents } from '../src/store/insertEvents.js'
import { recomputeDailyStats } from '../src/store/recomputeDailyStats.js'
import { benchDays, benchSites, siteDayEvents } from './events.js'

const dirname = path.dirname(fileURLToPath(import.meta.url))
process.env.PAYLOAD_CONFIG_PATH ??= path.resolve(dirname, '../dev/payload.config.ts')
process.env.NEXT_TELEMETRY_DISABLED = '1'

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback)
const PIPELINE_EVENTS = env('BENCH_EVENTS', 300_000)
const INSERT_BATCHES = env('BENCH_INSERT_BATCHES', 20)
const RECOMPUTE_RUNS = Math.max(2, env('BENCH_RECOMPUTE_RUNS', 7))
const BATCH_SIZE = env('BENCH_BATCH_SIZE', 5_000)
const CONCURRENCY = env('BENCH_CONCURRENCY', 2)
const INSERT_CONCURRENCY = env('BENCH_INSERT_CONCURRENCY', 2)
const SITES = 10
const DAYS = 30

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

async function main() {
  const progress = (message: string) => console.log(`[bench:aggregate-store] ${message}`)
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  let payload: null | Payload = null
  try {
    const databaseUri = await postgres.createDatabase('bench_aggregate')
    const keyPrefix = 'bench:'
    const config = buildDevConfig({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: redis.url }, databaseUri, push: true, seed: true })
    payload = await getPayload({ config, key: 'bench-aggregate' })
    const p = payload
    // Stopping Postgres at the end closes the pool's idle connections under it.
    ;(p.db as unknown as { pool?: { on: (event: 'error', listener: () => void) => void } }).pool?.on('error', () => undefined)
    const cfg = p.analytics!.config

    if (process.env.BENCH_LEAN_SCHEMA) {
      // An experiment, not the plugin's schema: what the insert would cost without the
      // timestamp index the admin list's newest-first sort uses.
      const db = p.db as unknown as { drizzle: { execute: (query: unknown) => Promise<unknown> } }
      const { sql } = await import('@payloadcms/db-postgres')
      await db.drizzle.execute(sql`DROP INDEX IF EXISTS analytics_events_timestamp_idx`)
      progress('lean schema experiment: no timestamp_idx on analytics_events')
    }

    const sites = await benchSites(p, SITES)
    const days = benchDays(DAYS)
    const perSiteDay = Math.ceil(1_000_000 / (SITES * DAYS))

    // 1. insertEvents, batches of BATCH_SIZE cut from full (site, day)s of the first site.
    const insertMs: number[] = []
    const dbSeconds: number[] = []
    let pending: AnalyticsEvent[] = []
    let dayIndex = 0
    for (let batch = 0; batch < INSERT_BATCHES; batch++) {
      while (pending.length < BATCH_SIZE) pending.push(...siteDayEvents(sites[0]!, days[dayIndex % DAYS]!, perSiteDay, 1_000 + dayIndex++))
      const events = pending.slice(0, BATCH_SIZE)
      pending = pending.slice(BATCH_SIZE)
      const started = performance.now()
      const { inserted } = await insertEvents(p, cfg, events, { observeDbLatency: (seconds) => dbSeconds.push(seconds) })
      insertMs.push(performance.now() - started)
      if (inserted !== events.length) throw new Error(`inserted ${inserted} of ${events.length}`)
    }
    const insertMedian = median(insertMs)
    progress(`insertEvents: ${INSERT_BATCHES} × ${BATCH_SIZE} events, median ${round(insertMedian)} ms per batch (${Math.round((BATCH_SIZE / insertMedian) * 1000)} events/s)`)

    // 2. recomputeDailyStats of one complete (site, day).
    const recomputeMs: number[] = []
    let rowsPerDay = 0
    for (let run = 0; run < RECOMPUTE_RUNS; run++) {
      const started = performance.now()
      const result = await recomputeDailyStats(p, cfg, [{ day: days[0]!, siteId: sites[0]!.id }])
      recomputeMs.push(performance.now() - started)
      if (run === 0) rowsPerDay = result.rowsWritten
    }
    // Later runs find every value unchanged and rewrite nothing, as most of a day's rows in a
    // 5-minute job; the first one writes them all.
    const recomputeMedian = median(recomputeMs.slice(1))
    progress(
      `recomputeDailyStats: one (site, day) of ${perSiteDay} events → ${rowsPerDay} rows: first (writes every row) ${round(recomputeMs[0]!)} ms, ` +
        `again (nothing changed) median ${round(recomputeMedian)} ms`,
    )
    // All days of the first site at once, as a run would.
    const allDaysStarted = performance.now()
    const allDays = await recomputeDailyStats(
      p,
      cfg,
      days.slice(0, Math.min(DAYS, dayIndex)).map((day) => ({ day, siteId: sites[0]!.id })),
      { concurrency: CONCURRENCY },
    )
    const allDaysMs = performance.now() - allDaysStarted
    progress(
      `recomputeDailyStats: all ${allDays.daysRecomputed} (site, day)s of the site, concurrency ${CONCURRENCY}: ${round(allDaysMs)} ms ` +
        `(${round(allDaysMs / allDays.daysRecomputed)} ms each)`,
    )

    // 3. The pipeline: buffer → events → daily stats, for other sites (fresh events).
    let pipeline: null | Record<string, number> = null
    if (!process.env.BENCH_SKIP_PIPELINE && PIPELINE_EVENTS > 0) {
      const pairs = SITES * DAYS
      const perPair = Math.ceil(PIPELINE_EVENTS / pairs)
      let appended = 0
      const appendStarted = performance.now()
      for (let s = 1; s <= SITES; s++) {
        for (let d = 0; d < DAYS && appended < PIPELINE_EVENTS; d++) {
          const events = siteDayEvents(sites[s % SITES]!, days[d]!, Math.min(perPair, PIPELINE_EVENTS - appended), 50_000 + s * 100 + d)
          await p.analytics!.buffer.append(events)
          appended += events.length
        }
      }
      progress(`appended ${appended} events to the Redis buffer in ${round((performance.now() - appendStarted) / 1000)} s`)
      global.gc?.()
      const rssBefore = process.memoryUsage().rss
      let peakRss = rssBefore
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
      const latency = new Map<string, number[]>()
      // The buffer's share of the time: claim (XREADGROUP + decode) and ack.
      const inner = p.analytics!.buffer
      const bufferSeconds = { ack: 0, claim: 0 }
      const timedBuffer = Object.assign(Object.create(inner) as typeof inner, {
        ack: async (ids: string[]) => {
          const t = performance.now()
          await inner.ack(ids)
          bufferSeconds.ack += (performance.now() - t) / 1000
        },
        claim: async (count: number) => {
          const t = performance.now()
          const claimed = await inner.claim(count)
          bufferSeconds.claim += (performance.now() - t) / 1000
          return claimed
        },
      })
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      const result = await runAggregation({
        batchSize: BATCH_SIZE,
        buffer: timedBuffer,
        cfg,
        concurrency: CONCURRENCY,
        dirty: createDirtyDays({ keyPrefix, redis: p.analytics!.redis }),
        insertConcurrency: INSERT_CONCURRENCY,
        maxBatches: Number.MAX_SAFE_INTEGER,
        observe: { dbLatency: (seconds, operation) => latency.set(operation, [...(latency.get(operation) ?? []), seconds]) },
        payload: p,
      })
      const ms = performance.now() - started
      const cpu = process.cpuUsage(cpuBefore)
      clearInterval(sampler)
      const sum = (operation: string) => (latency.get(operation) ?? []).reduce((a, b) => a + b, 0)
      pipeline = {
        claimed: result.claimed,
        daysRecomputed: result.daysRecomputed,
        eventsPerSecond: Math.round((result.claimed / ms) * 1000),
        ackSeconds: round(bufferSeconds.ack, 2),
        claimSeconds: round(bufferSeconds.claim, 2),
        insertSeconds: round(sum('insert'), 2),
        nodeCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
        peakRssMB: Math.round(peakRss / 2 ** 20),
        recomputeSeconds: round(sum('recompute'), 2),
        rssBeforeMB: Math.round(rssBefore / 2 ** 20),
        rowsWritten: result.rowsWritten,
        seconds: round(ms / 1000, 2),
      }
      progress(
        `runAggregation: ${result.claimed} events, ${result.daysRecomputed} (site, day)s in ${pipeline.seconds} s → ${pipeline.eventsPerSecond} events/s ` +
          `(summed over lanes: claim ${pipeline.claimSeconds} s, insert ${pipeline.insertSeconds} s, ack ${pipeline.ackSeconds} s, recompute ${pipeline.recomputeSeconds} s; ` +
          `this process used ${pipeline.nodeCpuSeconds} s of CPU; peak RSS ${pipeline.peakRssMB} MB)`,
      )
    }

    console.log(
      JSON.stringify({
        batchSize: BATCH_SIZE,
        leanSchemaExperiment: Boolean(process.env.BENCH_LEAN_SCHEMA),
        insertBatchMsMedian: round(insertMedian),
        insertEventsPerSecond: Math.round((BATCH_SIZE / insertMedian) * 1000),
        recomputeAllDaysMsEach: round(allDaysMs / allDays.daysRecomputed),
        recomputeEventsPerSiteDay: perSiteDay,
        recomputeSiteDayFirstMs: round(recomputeMs[0]!),
        recomputeSiteDayUnchangedMsMedian: round(recomputeMedian),
        recomputeRowsPerSiteDay: rowsPerDay,
        ...(pipeline ? { pipeline } : {}),
      }),
    )
  } finally {
    await payload?.destroy().catch(() => undefined)
    await Promise.all([postgres.stop(), redis.stop()])
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
